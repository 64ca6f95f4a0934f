// schema_validate.js - the second JSON Schema validator the tests use (with
// schema_validate.py): Debian's node-ajv 6 (draft-07), run as /usr/bin/node.
// Usage: NODE_PATH=/usr/share/nodejs /usr/bin/node tests/schema_validate.js SCHEMA [DOC...]
// Exit 0 every DOC valid (none given: the schema loads), 1 some DOC invalid (a line
// per error), 2 bad usage, or a schema/document that cannot be loaded (or a
// schema that is not valid draft-07).
'use strict';
const fs = require('fs');
const Ajv = require('ajv');

const DRAFT7 = 'http://json-schema.org/draft-07/schema#';

function main(argv) {
  if (argv.length < 1) {
    process.stderr.write('usage: schema_validate.js SCHEMA [DOC...]\n');
    return 2;
  }
  // strictKeywords: a keyword ajv does not know (e.g. a newer draft's $defs) is an
  // error, not silently ignored; allErrors: report every error, not the first.
  const ajv = new Ajv({ allErrors: true, strictKeywords: true });
  let validate;
  try {
    const schema = JSON.parse(fs.readFileSync(argv[0], 'utf8'));
    if (schema.$schema !== DRAFT7)
      throw new Error(`$schema is ${JSON.stringify(schema.$schema)}, want "${DRAFT7}"`);
    if (!ajv.validateSchema(schema))
      throw new Error(ajv.errorsText(ajv.errors));
    validate = ajv.compile(schema);
  } catch (e) {
    process.stderr.write(`${argv[0]}: bad schema: ${e.message.split('\n')[0]}\n`);
    return 2;
  }
  let invalid = 0;
  for (const path of argv.slice(1)) {
    let doc;
    try {
      doc = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (e) {
      process.stderr.write(`${path}: cannot validate: ${e.message.split('\n')[0]}\n`);
      return 2;
    }
    if (validate(doc)) {
      process.stdout.write(`${path}: valid\n`);
      continue;
    }
    invalid++;
    for (const e of validate.errors)
      process.stdout.write(`${path}: invalid: ${e.dataPath || '/'}: ${e.message}\n`);
  }
  return invalid ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
