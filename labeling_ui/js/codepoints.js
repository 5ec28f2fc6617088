// The platform stores text offsets in Unicode code points; the DOM (and Recogito's text annotator)
// counts UTF-16 code units. They differ only for astral characters (emoji, CJK Extension B+).
export function utf16ToCodePoint(text, utf16Offset) {
  let cp = 0;
  for (let i = 0; i < utf16Offset && i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    // a high surrogate followed by a low one is one code point: skip the low half
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i += 1;
    }
    cp += 1;
  }
  return cp;
}

export function codePointToUtf16(text, cpOffset) {
  let i = 0;
  for (let cp = 0; cp < cpOffset && i < text.length; cp += 1) {
    const c = text.codePointAt(i);
    i += c > 0xffff ? 2 : 1;
  }
  return i;
}

export const codePointLength = (text) => utf16ToCodePoint(text, text.length);
