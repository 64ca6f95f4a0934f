#!/usr/bin/python3
"""walk_cdp.py PROFILE_DIR OUT_DIR - drives a headless Chromium (already started by
tests/it_walk.sh with --remote-debugging-port=0 on walkthrough.html) through the
DevTools protocol with the standard library only: a minimal WebSocket client, key
presses to the PORT step, checks of what the page shows, 1280x720 screenshots.
Prints PASS:/FAIL: lines; exit 0 when every check passed."""
import base64, json, os, socket, struct, sys, time, urllib.request, zlib

prof, out = sys.argv[1], sys.argv[2]
fails = 0


def check(ok, what, detail=""):
    global fails
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok else ": " + str(detail)[:400]))
    if not ok:
        fails += 1


class WS:
    """RFC 6455 client: text frames, masked, no extensions."""

    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.s = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(1)
            if not chunk:
                raise IOError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise IOError("websocket handshake: " + head.split(b"\r\n")[0].decode())
        self.next_id = 0

    def _exact(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise IOError("websocket: connection closed")
            b += chunk
        return b

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            hdr = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        self.s.sendall(hdr + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(data)))

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._exact(8))[0]
            payload = self._exact(n)
            op = b0 & 0x0F
            if op == 0x8:
                raise IOError("websocket: closed by the browser")
            if op in (0x9, 0xA):  # ping/pong: ignore
                continue
            msg += payload
            if b0 & 0x80:
                return msg.decode()

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            m = json.loads(self.recv())
            if m.get("id") == my:
                if "error" in m:
                    raise IOError("%s: %s" % (method, m["error"]))
                return m.get("result", {})


def page_ws():
    port_file = os.path.join(prof, "DevToolsActivePort")
    for _ in range(300):
        if os.path.exists(port_file) and open(port_file).read().count("\n") >= 1:
            break
        time.sleep(0.1)
    port = open(port_file).read().split("\n")[0].strip()
    for _ in range(100):
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=10))
        pages = [t for t in targets if t.get("type") == "page" and "walkthrough" in t.get("url", "")]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise IOError("no page target for walkthrough.html")


def js(ws, expr):
    r = ws.call("Runtime.evaluate", expression=expr, returnByValue=True)
    if "exceptionDetails" in r:
        raise IOError("page script: %s" % r["exceptionDetails"])
    return r["result"].get("value")


KEYS = {"ArrowRight": 39, "ArrowLeft": 37, "Home": 36, "End": 35}


def press(ws, key):
    if key in KEYS:
        ev = {"key": key, "code": key, "windowsVirtualKeyCode": KEYS[key]}
    else:
        ev = {"key": key, "code": "Digit" + key, "text": key, "windowsVirtualKeyCode": ord(key)}
    ws.call("Input.dispatchKeyEvent", type="keyDown", **ev)
    ws.call("Input.dispatchKeyEvent", type="keyUp", **{k: v for k, v in ev.items() if k != "text"})


def colours(png):
    """Distinct colours over the rows of a PNG (8-bit RGB/RGBA, filters ignored)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h, bpp = 8, b"", 0, 0, 4
    while pos < len(png):
        n, typ = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp + 1
    seen = set()
    for y in range(0, h, max(1, h // 200)):
        row = raw[y * stride + 1:(y + 1) * stride]
        seen.update(row[i:i + 3] for i in range(0, len(row), bpp * 5))
    return w, h, len(seen)


def shot(ws, name):
    data = base64.b64decode(ws.call("Page.captureScreenshot", format="png")["data"])
    path = os.path.join(out, name)
    open(path, "wb").write(data)
    w, h, n = colours(data)
    check((w, h) == (1280, 720) and n > 40, "screenshot %s is 1280x720 and not blank" % name,
          "%dx%d, %d colours" % (w, h, n))


def step_to(ws, cond, limit=300):
    """Presses the right arrow until the page's state satisfies cond (a JS expression)."""
    for _ in range(limit):
        if js(ws, cond):
            return True
        before = js(ws, "document.body.getAttribute('data-step')")
        press(ws, "ArrowRight")
        if js(ws, "document.body.getAttribute('data-step')") == before:
            return bool(js(ws, cond))  # the last step
    return False


ws = WS(page_ws())
ws.call("Emulation.setDeviceMetricsOverride", width=1280, height=720, deviceScaleFactor=1, mobile=False)
for _ in range(100):
    if js(ws, "document.readyState === 'complete' && !!document.body && !!document.body.getAttribute('data-mode')"):
        break
    time.sleep(0.1)
modes = js(ws, "JSON.parse(document.getElementById('walk-data').textContent).modes.map(function(m){return m.mode})")
check(modes == ["direct", "nat", "proxy", "fastpath"], "the page has the four modes", modes)

# nat: the kernel's FTP editor rewrites the PORT line and expects the data connection.
press(ws, str(modes.index("nat") + 1))
press(ws, "Home")
check(js(ws, "document.body.getAttribute('data-mode')") == "nat", "key 2 selects the nat mode")
found = step_to(ws, "(document.querySelector('#inside .line')||{}).textContent && "
                    "document.querySelector('#inside .line').textContent.indexOf('PORT ') === 0")
check(found, "the right arrow reaches the PORT step in nat")
inside = js(ws, "document.querySelector('#inside .line').textContent")
outside = js(ws, "(document.querySelector('#outside .line')||{textContent:''}).textContent")
check(inside.startswith("PORT 192,0,2,10,"), "nat: the inside link carries the client's PORT", inside)
check(outside.startswith("PORT 203,0,113,1,"), "nat: the outside link carries the rewritten PORT", outside)
newrows = js(ws, "Array.prototype.map.call(document.querySelectorAll('#table .row.new'), function(e){return e.textContent})")
check(any(r.startswith("redirect") and "203.0.113.1:" in r and "192.0.2.10:" in r for r in newrows),
      "nat: a new redirect row (public address -> the client) appears at the PORT step", newrows)
what = js(ws, "document.getElementById('what').textContent")
check("rewritten" in what and "seq +" in what, "nat: the step says what was rewritten and the seq delta", what)
shot(ws, "walk-nat-port.png")

# fastpath: the proxy asks for the redirect through the NAT API, then sends its own PORT.
press(ws, str(modes.index("fastpath") + 1))
press(ws, "Home")
check(step_to(ws, "(document.querySelector('#outside .line')||{textContent:''}).textContent.indexOf('PORT 203,0,113,1,') === 0"),
      "fastpath: the proxy's rewritten PORT reaches the outside link")
check(js(ws, "document.getElementById('badge').textContent").startswith("down from the proxy"),
      "fastpath: that PORT went down from the proxy (user mode)")
shot(ws, "walk-fastpath-port.png")
# The redirect comes at RETR: the proxy decides the path at the command.
check(step_to(ws, "document.getElementById('api').textContent.indexOf('natapi_redirect_session') === 0"),
      "fastpath: the right arrow reaches the redirect_session call")
api = js(ws, "document.getElementById('api').textContent")
newrows = js(ws, "Array.prototype.map.call(document.querySelectorAll('#table .row.new'), function(e){return e.textContent})")
check(any(r.startswith("redirect") and "192.0.2.10:" in r for r in newrows),
      "fastpath: the call's redirect appears in the table", [api, newrows])
calls = js(ws, "document.querySelector('#ctr-api_calls b').textContent")
press(ws, "ArrowLeft")
calls_before = js(ws, "document.querySelector('#ctr-api_calls b').textContent")
check(int(calls) == int(calls_before) + 1, "the API call counter ticks by one at the call", (calls_before, calls))
# The data connection's first data segment: the fast path.
check(step_to(ws, "document.getElementById('badge').textContent.indexOf('fast path') === 0 && "
                  "document.getElementById('time').textContent.indexOf('data connection') >= 0"),
      "fastpath: the data connection goes through the kernel's fast path")
shot(ws, "walk-fastpath-data.png")

# proxy: the data is copied up: the bytes-copied counter grows on the data step.
press(ws, str(modes.index("proxy") + 1))
press(ws, "Home")
check(step_to(ws, "document.getElementById('badge').textContent.indexOf('up to the proxy') === 0 && "
                  "document.getElementById('time').textContent.indexOf('data connection') >= 0 && "
                  "document.getElementById('what').textContent.indexOf('of the data connection') < 0"),
      "proxy: the data connection's first segment goes up to the proxy")
shot(ws, "walk-proxy-data.png")
press(ws, "End")
copied = int(js(ws, "document.querySelector('#ctr-bytes_copied b').textContent"))
check(copied > 1000000, "proxy: bytes copied at the last step count the transfer", copied)

# Print: one block per step, all modes.
ws.call("Emulation.setEmulatedMedia", media="print")
n_print = js(ws, "document.querySelectorAll('#print .pstep').length")
n_steps = js(ws, "JSON.parse(document.getElementById('walk-data').textContent).modes.reduce(function(a,m){return a+m.steps.length},0)")
shown = js(ws, "getComputedStyle(document.getElementById('print')).display !== 'none' && "
               "getComputedStyle(document.querySelector('main')).display === 'none'")
check(n_print == n_steps and n_steps > 0 and shown, "print: every step its own block, controls hidden",
      (n_print, n_steps, shown))
ws.call("Emulation.setEmulatedMedia", media="")
sys.exit(1 if fails else 0)
