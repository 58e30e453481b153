import type { LanguageQueries } from "./queryTypes";

const definitions = `
(class_declaration name: (identifier) @name body: (class_body) @body) @definition.class
(record_declaration name: (identifier) @name body: (class_body) @body) @definition.class
(interface_declaration name: (identifier) @name body: (interface_body) @body) @definition.class
(enum_declaration name: (identifier) @name body: (enum_body) @body) @definition.enum
(method_declaration name: (identifier) @name body: (block) @body) @definition.method
(method_declaration name: (identifier) @name !body) @definition.method
(constructor_declaration name: (identifier) @name body: (constructor_body) @body) @definition.method
`;

const imports = `
(import_declaration (scoped_identifier scope: (_) @module name: (identifier) @name) .) @import
(import_declaration (scoped_identifier) @module (asterisk) @wildcard) @import
`;

export const javaQueries: LanguageQueries = {
  definitions,
  imports,
  importDepth: 2,
  identifiers: `[(identifier) (type_identifier)] @identifier`,
  isExported: (_name, nodeText) => !/^\s*private\b/.test(nodeText),
};
