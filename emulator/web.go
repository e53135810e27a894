package emulator

import (
	"net/http"
	"strings"
)

// serveWeb serves Config.WebDir, a built web app such as the dashboard
// (web/, built into dist/web). Vite names the files under /assets/ by a
// hash of their content, so those may be cached for good; everything else
// (index.html) is revalidated, so a rebuilt app is picked up on reload.
// Go's MIME table serves .wasm as application/wasm, which browsers need to
// compile a module while it streams in.
func (e *Emulator) serveWeb(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(r.URL.Path, "/assets/") {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.FileServer(http.Dir(e.cfg.WebDir)).ServeHTTP(w, r)
}
