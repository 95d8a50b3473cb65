#!/bin/sh
# Let anonymous HTTP clients write to a private Virtuoso started by
# scripts/virtuoso-serve.sh, the way Virtuoso documents it for the SPARQL 1.1
# Graph Store Protocol at /sparql-graph-crud (what `kg push` uses):
#   scripts/virtuoso-allow-writes.sh ISQL_PORT [DBA_PASSWORD]
# Only for a throw-away server on loopback: anyone who can reach the HTTP port
# can then replace or delete any graph.
set -eu
if [ $# -lt 1 ]; then
    echo "usage: $0 ISQL_PORT [DBA_PASSWORD]" >&2
    exit 2
fi
isql=${ISQL:-/usr/bin/isql-vt}
"$isql" "127.0.0.1:$1" dba "${2:-dba}" <<'SQL' >/dev/null
GRANT SPARQL_UPDATE TO "SPARQL";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);
SQL
