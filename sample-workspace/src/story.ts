import { add } from "./math";

// A story for the tiny test model, which only knows children's stories.
export const opening = "Once upon a time, there was a little girl named Lily.";

export function pages(count: number): number {
  return add(count, 1);
}
