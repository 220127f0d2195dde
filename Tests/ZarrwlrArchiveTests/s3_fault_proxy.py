"""A fault-injecting HTTP proxy for the S3 tests: it forwards every request to the S3 server
(SeaweedFS on loopback) as it came (SigV4 signatures stay valid: the Host header is kept) and,
by a schedule, forwards a request but drops its response, answers 500 or 503 without forwarding,
resets the connection, or delays the answer. Loopback only; it stops by itself after --lifetime.

    python s3_fault_proxy.py UPSTREAM_PORT SCHEDULE.json LOG.jsonl PORT_FILE --lifetime 600

It writes its port into PORT_FILE (renamed into place) once it listens. SCHEDULE is a JSON list of
rules, each applied to the requests it matches, in order, the first match winning:

    {"method": "PUT", "key": "/zarr.json$", "header": "if-none-match",
     "action": "drop_response", "skip": 0, "times": 1, "every": 1}

`key` is a regular expression searched in the path, `header` a request header that must be
present; of the matching requests the first `skip` pass, then every `every`-th of the next
ones is hit, `times` in all (-1: no limit). Actions: drop_response (forwarded, then the
connection closed without an answer: the client cannot know the outcome), error_500,
error_503, error_403 (AccessDenied, as S3 answers a key that may only read; not forwarded), reset (closed before forwarding), delay (forwarded, answered after
`delay_ms`). Every request is logged (method, path, Range header, the action taken, the upstream status).
"""
import argparse
import http.client
import json
import os
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Schedule:
    def __init__(self, rules):
        self.rules = [dict(rule, seen=0, hit=0) for rule in rules]
        self.lock = threading.Lock()

    def action(self, method, path, headers):
        with self.lock:
            for rule in self.rules:
                if rule.get("method") and rule["method"] != method:
                    continue
                if rule.get("key") and not re.search(rule["key"], path):
                    continue
                if rule.get("header") and rule["header"].lower() not in {k.lower() for k in headers}:
                    continue
                rule["seen"] += 1
                position = rule["seen"] - rule.get("skip", 0)
                times = rule.get("times", 1)
                if position <= 0 or (times >= 0 and rule["hit"] >= times) or position % rule.get("every", 1) != 0:
                    return None, rule
                rule["hit"] += 1
                return rule["action"], rule
        return None, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("upstream_port", type=int)
    parser.add_argument("schedule")
    parser.add_argument("log")
    parser.add_argument("port_file")
    parser.add_argument("--lifetime", type=float, default=600)
    options = parser.parse_args()
    with open(options.schedule) as f:
        schedule = Schedule(json.load(f))
    log_lock = threading.Lock()
    log = open(options.log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def record(self, action, status):
            with log_lock:
                log.write(json.dumps({"method": self.command, "path": self.path, "range": self.headers.get("Range"), "action": action, "status": status}) + "\n")

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            action, rule = schedule.action(self.command, self.path, self.headers.keys())
            if action == "reset":
                self.record(action, None)
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if action in ("error_500", "error_503", "error_403"):
                status = {"error_500": 500, "error_503": 503, "error_403": 403}[action]
                self.record(action, status)
                code = b"AccessDenied" if status == 403 else b"InternalError"
                payload = b"<Error><Code>" + code + b"</Code><Message>injected</Message></Error>"
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            upstream = http.client.HTTPConnection("127.0.0.1", options.upstream_port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "proxy-connection")}
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            upstream.close()
            self.record(action, response.status)
            if action == "drop_response":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if action == "delay":
                time.sleep(rule.get("delay_ms", 20) / 1000)
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            # A HEAD answer carries the object's length and no body.
            length = response.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(payload))
            self.send_header("Content-Length", length)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_PUT = do_DELETE = do_HEAD = do_POST = handle_any

    class Server(ThreadingHTTPServer):
        # The default backlog (5) drops connections when 64 clients connect at once; each dropped
        # one waits a second or more for its SYN to be sent again, which would be the proxy's delay.
        request_queue_size = 256

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(options.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(options.port_file + ".tmp", options.port_file)
    threading.Timer(options.lifetime, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
