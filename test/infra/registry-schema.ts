import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Validates a synthesized template's resources against the CloudFormation registry schemas kept in
 * registry-schemas/generated (see registry-schemas/update.ts): required properties, read-only
 * properties a template must not set, unknown properties, types, enums, consts, patterns, lengths,
 * item counts, numeric ranges, and the oneOf/anyOf/allOf of nested definitions. A value CloudFormation
 * only knows at deploy time (`Ref`, `Fn::*`) is not checked; otherwise the scalars CloudFormation
 * converts are accepted as it does ("10" for a number, "true" for a boolean, 10 for a string).
 */
type Schema = Record<string, unknown>;

const SCHEMAS = join(import.meta.dirname, "registry-schemas/generated");

export interface SchemaProblem {
  resource: string;
  path: string;
  problem: string;
}

export function schemaFor(type: string): Schema | undefined {
  const file = join(SCHEMAS, `${type.replaceAll("::", "_")}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Schema) : undefined;
}

const isIntrinsic = (value: unknown) =>
  value !== null &&
  typeof value === "object" &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  /^(Ref|Fn::|Condition$)/.test(Object.keys(value)[0] as string);

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
    case "number":
      return (
        (typeof value === "number" && Number.isFinite(value)) ||
        (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
      );
    case "integer":
      return (
        (typeof value === "number" && Number.isInteger(value)) ||
        (typeof value === "string" && /^-?\d+$/.test(value))
      );
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    default:
      return true;
  }
}

/** Every problem of `value` against `schema` (definitions resolved in `root`). */
function validate(schema: Schema, value: unknown, root: Schema, path: string, out: string[]): void {
  if (isIntrinsic(value)) return;
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace(/^#\/definitions\//, "");
    const target = (root.definitions as Record<string, Schema> | undefined)?.[name];
    if (!target) {
      out.push(`${path}: schema reference ${schema.$ref} not found`);
      return;
    }
    validate(target, value, root, path, out);
  }
  if (schema.type !== undefined) {
    const types = ([] as string[]).concat(schema.type as string | string[]);
    if (!types.some((t) => typeMatches(t, value))) {
      out.push(`${path}: ${JSON.stringify(value)?.slice(0, 80)} is not of type ${types.join(" or ")}`);
      return;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => String(e) === String(value))) {
    out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (schema.const !== undefined && String(schema.const) !== String(value)) {
    out.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  }
  if (typeof value === "string" || typeof value === "number") {
    const text = String(value);
    if (typeof schema.pattern === "string" && !compile(schema.pattern).test(text)) {
      out.push(`${path}: ${JSON.stringify(text.slice(0, 80))} does not match ${schema.pattern}`);
    }
    const length = [...text].length;
    if (typeof schema.minLength === "number" && length < schema.minLength) {
      out.push(`${path}: ${length} characters, fewer than ${schema.minLength}`);
    }
    if (typeof schema.maxLength === "number" && length > schema.maxLength) {
      out.push(`${path}: ${length} characters, more than ${schema.maxLength}`);
    }
    const n = Number(value);
    if (typeof schema.minimum === "number" && Number.isFinite(n) && n < schema.minimum) {
      out.push(`${path}: ${n} is less than ${schema.minimum}`);
    }
    if (typeof schema.maximum === "number" && Number.isFinite(n) && n > schema.maximum) {
      out.push(`${path}: ${n} is more than ${schema.maximum}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) {
      out.push(`${path}: ${value.length} items, fewer than ${schema.minItems}`);
    }
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) {
      out.push(`${path}: ${value.length} items, more than ${schema.maxItems}`);
    }
    if (schema.items && typeof schema.items === "object") {
      value.forEach((item, i) => {
        validate(schema.items as Schema, item, root, `${path}[${i}]`, out);
      });
    }
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (!(name in object)) out.push(`${path}: required property ${name} is missing`);
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    const patterns = Object.entries((schema.patternProperties as Record<string, Schema> | undefined) ?? {});
    for (const [name, item] of Object.entries(object)) {
      const where = path ? `${path}.${name}` : name;
      const declared = properties[name];
      const patterned = patterns.filter(([p]) => compile(p).test(name));
      if (declared) validate(declared, item, root, where, out);
      for (const [, s] of patterned) validate(s, item, root, where, out);
      if (!declared && patterned.length === 0) {
        if (schema.additionalProperties === false) out.push(`${where}: not a property the schema knows`);
        else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
          validate(schema.additionalProperties as Schema, item, root, where, out);
        }
      }
    }
    if (typeof schema.minProperties === "number" && Object.keys(object).length < schema.minProperties) {
      out.push(`${path}: fewer than ${schema.minProperties} properties`);
    }
  }
  for (const s of (schema.allOf as Schema[] | undefined) ?? []) validate(s, value, root, path, out);
  for (const [keyword, alternatives] of [
    ["anyOf", schema.anyOf],
    ["oneOf", schema.oneOf],
  ] as const) {
    if (!Array.isArray(alternatives)) continue;
    const results = (alternatives as Schema[]).map((s) => {
      const problems: string[] = [];
      validate(s, value, root, path, problems);
      return problems;
    });
    const passing = results.filter((r) => r.length === 0).length;
    if (passing === 0) {
      out.push(`${path}: matches none of ${keyword} (${results.map((r) => r[0]).join("; ")})`);
    } else if (keyword === "oneOf" && passing > 1) {
      out.push(`${path}: matches ${passing} alternatives of oneOf, not exactly one`);
    }
  }
}

const compiled = new Map<string, RegExp>();
/** Registry patterns are ECMA-262 regular expressions, unanchored unless they say so. */
function compile(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern, "u");
    } catch {
      re = new RegExp(pattern);
    }
    compiled.set(pattern, re);
  }
  return re;
}

/** Every problem of every resource of `template`; types with no schema here are problems too. */
export function validateTemplate(template: {
  Resources: Record<string, Record<string, unknown>>;
}): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const type = resource.Type as string;
    if (!type.startsWith("AWS::") || type === "AWS::CDK::Metadata") continue; // custom resources
    const schema = schemaFor(type);
    if (!schema) {
      problems.push({
        resource: id,
        path: "",
        problem: `no registry schema for ${type}: npx tsx test/infra/registry-schemas/update.ts ${type}`,
      });
      continue;
    }
    const properties = (resource.Properties as Record<string, unknown> | undefined) ?? {};
    const out: string[] = [];
    validate(
      { ...schema, properties: schema.properties, required: schema.required },
      properties,
      schema,
      "",
      out,
    );
    for (const pointer of (schema.readOnlyProperties as string[] | undefined) ?? []) {
      const name = pointer.replace(/^\/properties\//, "");
      if (!name.includes("/") && name in properties) out.push(`${name}: read-only, a template cannot set it`);
    }
    for (const problem of out) problems.push({ resource: id, path: type, problem });
  }
  return problems;
}
