// A small DOM builder. Text always goes in as text nodes, never as HTML, so
// nothing a flow holds (paths, elems, error messages) can become markup.

/**
 * h('button', { class: 'primary', onclick }, 'Post') builds an element.
 * Attributes: `class`, `dataset` (an object), `on<event>` (a listener),
 * `hidden`/`disabled`/… (booleans), `value`, anything else as an attribute.
 * Children: nodes, strings (text), numbers, arrays of them; null, undefined
 * and false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value' || name === 'checked') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (as h() takes them) to el. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces el's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A `<label>` around a caption and a control. */
export function field(caption, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-caption' }, caption), control, hint && h('span', { class: 'field-hint' }, hint));
}
