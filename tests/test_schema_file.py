"""schema.graphql is what integrators read: it must be exactly the schema the code serves."""

from __future__ import annotations

from pathlib import Path

from graphql import parse, validate

from booking_gateway.graphql.schema import build_schema


def test_schema_file_matches_the_code(repo_root: Path) -> None:
    # given the committed SDL and the schema built from the code
    committed = (repo_root / "schema.graphql").read_text(encoding="utf-8")
    printed = build_schema().as_str() + "\n"

    # then they are equal (regenerate with: booking-gateway export-schema -o schema.graphql)
    assert committed == printed


def test_every_type_field_and_argument_is_described() -> None:
    schema = build_schema()._schema
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "Int", "Float", "ID"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for arg_name, arg in getattr(field, "args", {}).items():
                if not arg.description:
                    missing.append(f"{name}.{field_name}({arg_name})")
    assert missing == []


def test_readme_graphql_examples_validate(repo_root: Path) -> None:
    # given every ```graphql block of the README
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in readme.split("```graphql\n")[1:]]
    assert blocks

    # then each is a valid document of the served schema
    schema = build_schema()._schema
    for block in blocks:
        assert validate(schema, parse(block)) == []
