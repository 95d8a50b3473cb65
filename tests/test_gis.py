"""kg export --format geojson and --format acled-csv: read back by GIS libraries (shapely,
pandas) and, the ACLED layout, by kg import acled itself."""

from __future__ import annotations

import csv
import io
import json

import pytest
from shapely.geometry import Point, shape

from kg.ask.gis import ACLED_CSV_COLUMNS
from kg.imports.layouts import ACLED_COLUMNS


@pytest.fixture(scope="module")
def geojson(kg):
    out = kg("export", "--format", "geojson")
    assert out.code == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def events_json(kg):
    out = kg("query", "SELECT (COUNT(?e) AS ?n) WHERE { GRAPH <https://w3id.org/sahel-kg/graph/curated> "
                      "{ ?e a ?c ; skg:start ?s } GRAPH ?o { ?c rdfs:subClassOf+ skg:Event } }", "--format", "csv")
    return int(out.stdout.split()[1])


def test_geojson_features_are_valid_shapes_in_the_sahel(geojson, events_json):
    assert geojson["type"] == "FeatureCollection"
    events = [f for f in geojson["features"] if f["properties"]["kind"] == "event"]
    assert len(events) == events_json
    places = {f["properties"]["id"]: f for f in geojson["features"] if f["properties"]["kind"] in ("place", "region")}
    placed = [f for f in events if f["geometry"]]
    assert len(placed) > 250
    for f in placed:
        geom = shape(f["geometry"])
        assert geom.is_valid and isinstance(geom, Point)
        assert -20 <= geom.x <= 25 and 0 <= geom.y <= 38, f["id"]  # lon, lat (RFC 7946 order)
        place = places[f["properties"]["place"]]["properties"]  # the place's position (a region's shape may differ)
        assert (geom.x, geom.y) == (place["longitude"], place["latitude"])
    # an event whose place has no position has no geometry, and says why: never a guessed point
    for f in events:
        place = places.get(f["properties"]["place"] or "")
        if place is None or place["properties"]["latitude"] is None:
            assert f["geometry"] is None
            assert f["properties"]["place_precision"] == ("none" if place or not f["properties"]["country"] else "country")


def test_an_event_carries_dates_kind_sides_tolls_and_sources(geojson):
    f = next(f for f in geojson["features"] if f["properties"]["id"] == "battle_of_aguelhok_2012")
    p = f["properties"]
    assert p["type"] == "battle" and p["start"] == "2012-01-17" and p["end"] == "2012-01-25"
    assert "mnla" in p["side_a_ids"].split("; ") and p["side_b_ids"] == "fama"
    assert (p["fatalities_low"], p["fatalities_high"]) == (82, 153)
    assert "wp_battle_of_aguelhok_2012" in p["sources"]
    aguelhok = next(x for x in geojson["features"] if x["id"] == "place/aguelhok")
    assert shape(f["geometry"]).equals(shape(aguelhok["geometry"]))
    assert aguelhok["properties"]["label_fr"] == "Aguel'hoc"
    assert aguelhok["properties"]["wikidata"] == "https://www.wikidata.org/wiki/Q357768"


def test_regions_carry_their_shapes_from_kg_geo(geojson):
    regions = {f["properties"]["id"]: f for f in geojson["features"] if f["properties"]["kind"] == "region"}
    mopti = regions["ml_mopti"]
    assert mopti["properties"]["shape_source"] == "kg/geo/sahel-regions.json"
    assert mopti["properties"]["label_fr"] == "Région de Mopti"
    assert shape(mopti["geometry"]).within(shape({"type": "Polygon", "coordinates": [[(-12, 10), (5, 10), (5, 25), (-12, 25), (-12, 10)]]}))


def test_geojson_is_the_same_bytes_every_time(kg):
    assert kg("export", "--format", "geojson").stdout == kg("export", "--format", "geojson").stdout


def test_acled_csv_has_acleds_columns_and_its_points_read_in_shapely(kg, events_json):
    out = kg("export", "--format", "acled-csv")
    assert out.code == 0, out.stderr
    reader = csv.DictReader(io.StringIO(out.stdout))
    rows = list(reader)
    assert tuple(reader.fieldnames) == ACLED_CSV_COLUMNS == ACLED_COLUMNS
    assert len(rows) == events_json
    assert len({r["event_id_cnty"] for r in rows}) == len(rows)
    assert {r["event_type"] for r in rows} <= {"Battles", "Violence against civilians", "Strategic developments",
                                                "Explosions/Remote violence", "Riots", "Protests"}
    # what a script does with an ACLED file: points from latitude/longitude, deaths per year and country
    points = [Point(float(r["longitude"]), float(r["latitude"])) for r in rows if r["latitude"]]
    assert len(points) > 250 and all(p.is_valid for p in points)
    assert all(r["geo_precision"] == "3" for r in rows if not r["latitude"])
    mali_2019 = sum(int(r["fatalities"] or 0) for r in rows if r["year"] == "2019" and r["country"] == "Mali")
    assert mali_2019 > 100
    row = next(r for r in rows if r["event_id_cnty"] == "battle_of_aguelhok_2012")
    assert (row["actor2"], row["country"], row["location"]) == ("Malian Armed Forces", "Mali", "Aguelhok")
    assert row["tags"] == "ends 2012-01-25; toll range 82-153"
    assert row["fatalities"] == ""  # no best figure: empty, not 0


def test_acled_csv_round_trips_through_kg_import_acled(kg, tmp_path):
    exported = kg("export", "--format", "acled-csv")
    path = tmp_path / "curated-acled.csv"
    path.write_text(exported.stdout, encoding="utf-8")
    home = tmp_path / "home"
    imported = kg("import", "acled", str(path), home=home)
    assert imported.code == 0, imported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert f"{len(rows)} rows -> {len(rows)} events" in imported.stdout
    assert "0 rows skipped" in imported.stdout
    assert "armed groups and state forces: " in imported.stdout and "(100.0%)" in imported.stdout
    # every event back with its day, its toll and its actors placed on the curated ones
    back = kg("query", """SELECT ?id ?start ?fatalities WHERE { GRAPH <https://w3id.org/sahel-kg/graph/acled> {
                 ?e skg:sourceRecord ?id ; skg:start ?start OPTIONAL { ?e skg:fatalities ?fatalities } } }""",
              "--format", "csv", home=home)
    got = {r["id"]: r for r in csv.DictReader(io.StringIO(back.stdout))}
    assert len(got) == len(rows)
    for r in rows:
        g = got[r["event_id_cnty"]]
        if r["time_precision"] == "1":
            assert g["start"] == r["event_date"]
        assert g["fatalities"] == r["fatalities"]
    fought = kg("fought", "JNIM", "fama", "--source", "acled", "--year", "2019", "--format", "json", home=home)
    assert json.loads(fought.stdout), fought.stderr


def test_a_bad_gis_graph_is_a_usage_error(kg):
    out = kg("export", "--format", "geojson", "--graph", "curated", "--graph", "ontology")
    assert out.code == 2 and "one --graph" in out.stderr
