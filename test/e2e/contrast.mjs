// WCAG 2 contrast of text against what is behind it, from CSS colours as the browser computes them.

/** [r, g, b, a] (0–255, alpha 0–1) from rgb()/rgba()/#hex; undefined for anything else. */
export function parseColor(text) {
  const value = String(text ?? "").trim();
  const hex = /^#([0-9a-f]{3,8})$/i.exec(value);
  if (hex) {
    let digits = hex[1];
    if (digits.length === 3 || digits.length === 4) digits = [...digits].map((d) => d + d).join("");
    if (digits.length !== 6 && digits.length !== 8) return undefined;
    const parts = digits.match(/../g).map((pair) => parseInt(pair, 16));
    return [parts[0], parts[1], parts[2], parts.length === 4 ? parts[3] / 255 : 1];
  }
  const rgb = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/i.exec(value);
  if (!rgb) return undefined;
  const alpha = rgb[4] === undefined ? 1 : rgb[4].endsWith("%") ? parseFloat(rgb[4]) / 100 : parseFloat(rgb[4]);
  return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3]), alpha];
}

/** `top` drawn over the opaque colour `bottom`. */
export function over(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
}

/**
 * The opaque colour behind an element: its own background and its ancestors' (innermost first),
 * composited over `base` (the colour behind the page).
 */
export function effectiveBackground(backgrounds, base) {
  let colour = parseColor(base);
  if (!colour) throw new Error(`the colour behind the page is not a colour: ${JSON.stringify(base)}`);
  colour = over(colour, [0, 0, 0, 1]);
  for (const layer of [...backgrounds].reverse()) {
    const parsed = parseColor(layer);
    if (!parsed) throw new Error(`cannot read background ${JSON.stringify(layer)}`);
    if (parsed[3] > 0) colour = over(parsed, colour);
  }
  return colour;
}

function luminance([r, g, b]) {
  const channel = (value) => {
    const s = value / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG contrast ratio (1–21) of text colour `fg` (may be translucent) on the opaque `bg`. */
export function contrastRatio(fg, bg) {
  const text = parseColor(fg) ?? fg;
  const back = parseColor(bg) ?? bg;
  const solid = over(text, back);
  const [light, dark] = [luminance(solid), luminance(back)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}
