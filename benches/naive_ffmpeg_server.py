#!/usr/bin/env python3
"""The anchor of `promptwav serve`'s load figure: the naive service, one ffmpeg per request.

POST /api/convert with the file as the body answers the mono 48 kHz 16-bit WAV ffmpeg makes,
through temporary files removed after each request. Threaded (one thread per connection), no
limits. Loopback only. Usage: python3 benches/naive_ffmpeg_server.py [PORT] (default 4900).
"""
import http.server
import os
import subprocess
import sys
import tempfile


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "in"), os.path.join(tmp, "out.wav")
            with open(src, "wb") as f:
                f.write(body)
            run = subprocess.run(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", src, "-ac", "1", "-ar", "48000",
                 "-c:a", "pcm_s16le", dst],
                capture_output=True,
            )
            if run.returncode != 0:
                out, status, kind = run.stderr, 422, "text/plain"
            else:
                with open(dst, "rb") as f:
                    out, status, kind = f.read(), 200, "audio/wav"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 4900
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
