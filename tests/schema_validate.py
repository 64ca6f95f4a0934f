# schema_validate.py - one of the two JSON Schema validators the tests use (with
# schema_validate.js): Debian's python3-jsonschema, run as /usr/bin/python3.
# Usage: /usr/bin/python3 tests/schema_validate.py SCHEMA [DOC...]
# Exit 0 every DOC valid (none given: the schema loads), 1 some DOC invalid (a line
# per error), 2 bad usage, or a schema/document that cannot be loaded (or a
# schema that is not valid draft-07).
import json
import sys

import jsonschema

DRAFT7 = "http://json-schema.org/draft-07/schema#"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    if len(argv) < 2:
        print("usage: schema_validate.py SCHEMA [DOC...]", file=sys.stderr)
        return 2
    try:
        schema = load(argv[1])
        # Only draft-07: the draft both this and node-ajv 6 implement.
        if schema.get("$schema") != DRAFT7:
            raise ValueError("$schema is %r, want %r" % (schema.get("$schema"), DRAFT7))
        jsonschema.Draft7Validator.check_schema(schema)
        validator = jsonschema.Draft7Validator(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as e:
        print("%s: bad schema: %s" % (argv[1], str(e).splitlines()[0]), file=sys.stderr)
        return 2
    invalid = 0
    for path in argv[2:]:
        try:
            doc = load(path)
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        except (OSError, ValueError, jsonschema.exceptions.RefResolutionError) as e:
            print("%s: cannot validate: %s" % (path, str(e).splitlines()[0]), file=sys.stderr)
            return 2
        for e in errors:
            where = "/" + "/".join(str(p) for p in e.absolute_path)
            print("%s: invalid: %s: %s" % (path, where, e.message))
        if errors:
            invalid += 1
        else:
            print("%s: valid" % path)
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
