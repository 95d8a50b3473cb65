#!/bin/sh
# Run a private Virtuoso (Debian's virtuoso-opensource-7-bin) in the foreground:
#   scripts/virtuoso-serve.sh DIR HTTP_PORT ISQL_PORT
# DIR holds its own virtuoso.ini and database (created on first start; nothing
# is shared with a system Virtuoso). Both ports listen on 127.0.0.1 only.
# Small: about 100 MB of buffers. SPARQL endpoint: http://127.0.0.1:HTTP_PORT/sparql.
# Then scripts/virtuoso-allow-writes.sh ISQL_PORT lets kg push load it.
# Stop it with SIGTERM (Ctrl-C); remove DIR to forget the database.
set -eu
if [ $# -ne 3 ]; then
    echo "usage: $0 DIR HTTP_PORT ISQL_PORT" >&2
    exit 2
fi
dir=$1 http_port=$2 isql_port=$3
server=${VIRTUOSO:-/usr/bin/virtuoso-t}
if [ ! -x "$server" ]; then
    echo "virtuoso-serve: $server is missing; run make test as root (scripts/install-debian.sh)" >&2
    exit 3
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cat > "$dir/virtuoso.ini" <<INI
; Written by scripts/virtuoso-serve.sh: a private, small Virtuoso on loopback.
[Database]
DatabaseFile    = $dir/virtuoso.db
ErrorLogFile    = $dir/virtuoso.log
LockFile        = $dir/virtuoso.lck
TransactionFile = $dir/virtuoso.trx
xa_persistent_file = $dir/virtuoso.pxa
ErrorLogLevel   = 7
FileExtend      = 200
MaxCheckpointRemap = 2000
Striping        = 0
TempStorage     = TempDatabase

[TempDatabase]
DatabaseFile    = $dir/virtuoso-temp.db
TransactionFile = $dir/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping        = 0

[Parameters]
ServerPort      = 127.0.0.1:$isql_port
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode        = 2
DirsAllowed     = ., $dir
; Small: 8 KB pages, about 100 MB of buffers (Virtuoso's guide: 3/4 of them
; may be dirty). The other two lines take the start-up size from 275 MB to
; 145 MB (the defaults are 256 and 10000); the buffers fill as data comes.
NumberOfBuffers = 12000
MaxDirtyBuffers = 9000
IndexTreeMaps   = 16
VectorSize      = 1000
MaxQueryMem     = 200M
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort      = 127.0.0.1:$http_port
ServerRoot      = $dir
MaxClientConnections = 10
ServerThreads   = 10
EnabledDavVSP   = 0
Charset         = UTF-8

[Client]
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
; The packaged default (10000) silently truncates larger results: an export
; of the curated graph is about 10k triples, an import many more.
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
INI
cd "$dir"
exec "$server" +foreground +configfile "$dir/virtuoso.ini"
