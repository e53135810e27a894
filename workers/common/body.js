// The request body of an ingest, read with a size limit: both Workers use
// it (the Go Worker's glue reads the body for its Go handler).

/** The body of request as bytes, or null when it is longer than maxBytes:
 * refused by its Content-Length, or as soon as the stream passes the limit,
 * without reading further. */
export async function readBody(request, maxBytes) {
  if (Number(request.headers.get('content-length')) > maxBytes) return null;
  if (!request.body) return new Uint8Array(0);
  const chunks = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
