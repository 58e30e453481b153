/** What the view remembers while it is hidden (VS Code's getState/setState). */
export interface ViewState {
  draft: string;
  lastSent: string;
  historyOpen: boolean;
  scrollTop: number;
  editing: boolean;
}

export const EMPTY_STATE: ViewState = { draft: "", lastSent: "", historyOpen: false, scrollTop: 0, editing: false };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

export function parseViewState(record: unknown): ViewState {
  if (!isRecord(record)) return { ...EMPTY_STATE };
  return {
    draft: typeof record.draft === "string" ? record.draft : "",
    lastSent: typeof record.lastSent === "string" ? record.lastSent : "",
    historyOpen: record.historyOpen === true,
    scrollTop: typeof record.scrollTop === "number" && Number.isFinite(record.scrollTop) ? record.scrollTop : 0,
    editing: record.editing === true,
  };
}
