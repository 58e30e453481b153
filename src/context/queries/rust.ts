import type { LanguageQueries } from "./queryTypes";

const definitions = `
(function_item name: (identifier) @name body: (block) @body) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(struct_item name: (type_identifier) @name) @definition.struct
(enum_item name: (type_identifier) @name) @definition.enum
(union_item name: (type_identifier) @name) @definition.struct
(trait_item name: (type_identifier) @name body: (declaration_list) @body) @definition.trait
(impl_item type: (_) @name body: (declaration_list) @body) @definition.impl
(type_item name: (type_identifier) @name) @definition.type
(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
(mod_item name: (identifier) @name body: (declaration_list) @body) @definition.module
(macro_definition name: (identifier) @name) @definition.function
`;

const imports = `
(use_declaration argument: (scoped_identifier path: (_) @module name: (identifier) @name)) @import
(use_declaration argument: (identifier) @name) @import
(use_declaration argument: (use_as_clause path: (scoped_identifier path: (_) @module name: (identifier) @name) alias: (identifier) @local)) @import
(use_declaration argument: (scoped_use_list path: (_) @module list: (use_list (identifier) @name))) @import
(use_declaration argument: (scoped_use_list path: (_) @module list: (use_list (use_as_clause path: (identifier) @name alias: (identifier) @local)))) @import
(use_declaration argument: (use_wildcard (_) @module) @wildcard) @import
`;

export const rustQueries: LanguageQueries = {
  definitions,
  imports,
  importDepth: 3,
  identifiers: `[(identifier) (type_identifier) (field_identifier)] @identifier`,
  // Rust exports with `pub`; the keyword is part of the item's text.
  isExported: (_name, nodeText) => /^\s*(#\[[^\]]*\]\s*)*pub\b/.test(nodeText),
};
