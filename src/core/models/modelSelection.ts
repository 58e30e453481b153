import { resolve } from "node:path";

/**
 * What choosing a model in the picker means, given the role's configured model and the one
 * serving it:
 * - "already-serving": it is the configured model and it serves: nothing to load or ask, say so;
 * - "load-configured": it is the configured model but nothing of it serves (its load failed, or
 *   it was unloaded): load it again without asking what was asked when it was first chosen;
 * - "switch": another model.
 */
export type SelectionOutcome = "already-serving" | "load-configured" | "switch";

export function selectionOutcome(chosenPath: string, configuredPath: string, servingPath: string | undefined): SelectionOutcome {
  const same = (a: string, b: string) => a !== "" && b !== "" && resolve(a) === resolve(b);
  if (!same(chosenPath, configuredPath)) return "switch";
  return servingPath !== undefined && same(chosenPath, servingPath) ? "already-serving" : "load-configured";
}
