package core

// Header is one HTTP request header.
type Header struct {
	Name  string
	Value string
}

// Request is everything a transport needs to perform one call. Path and
// Account describe the call for errors; the token is only in Header.
type Request struct {
	Method  string
	URL     string
	Header  []Header
	Body    []byte
	Path    string
	Account string
}

// Call is one REST call below the account: a method, a service path built
// with ServicePath, its params and an optional raw JSON body.
type Call struct {
	Method string
	Path   string
	Params Params
	Body   []byte
}

// NewRequest builds the request of a call: the first, pure step of every call.
func (c Config) NewRequest(call Call) (Request, error) {
	return c.newRequest(call, c.BaseURL(), c.namespace())
}

func (c Config) newRequest(call Call, base, account string) (Request, error) {
	if err := c.Validate(); err != nil {
		return Request{}, err
	}
	query, err := call.Params.merge(c.Params).Encode()
	if err != nil {
		return Request{}, err
	}
	url := base + call.Path
	if query != "" {
		url += "?" + query
	}
	req := Request{
		Method:  call.Method,
		URL:     url,
		Header:  c.authHeaders(len(call.Body) > 0),
		Body:    call.Body,
		Path:    call.Path,
		Account: account,
	}
	return req, nil
}

// NewSessionRequest builds POST {wsHost}/session, which opens a WebSocket session.
func (c Config) NewSessionRequest() (Request, error) {
	if err := c.Validate(); err != nil {
		return Request{}, err
	}
	return Request{
		Method:  "POST",
		URL:     c.SessionURL(),
		Header:  c.authHeaders(false),
		Path:    "/session",
		Account: c.Account,
	}, nil
}

// NewWSHostRequest builds a call to the WebSocket host instead of the REST
// API: {https|http}://{wsHost}{path}?{query}, with the same headers as
// NewSessionRequest. The reference client's websocket service reaches its
// host this way; POST /session is the one call the platform documents.
func (c Config) NewWSHostRequest(call Call) (Request, error) {
	d := c.WithDefaults()
	return c.newRequest(call, d.scheme("https", "http")+"://"+d.WSHost, c.Account)
}

func (c Config) authHeaders(hasBody bool) []Header {
	h := []Header{
		{"X-Auth-Token", c.Token},
		{"X-Auth-Account", c.Account},
		{"Accept", "application/json"},
	}
	if hasBody {
		h = append(h, Header{"Content-Type", "application/json"})
	}
	return h
}

// token is the X-Auth-Token the request carries, for redaction.
func (r Request) token() string {
	for _, h := range r.Header {
		if h.Name == "X-Auth-Token" {
			return h.Value
		}
	}
	return ""
}
