# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local SMTP server that keeps every message it receives, for the notification tests.

It speaks the part of RFC 5321 a mail client needs (EHLO/HELO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT) and accepts every sender and recipient. ``fail_next`` makes the
next N transactions answer 451 at DATA, to test a notification that cannot be sent.
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading


class SmtpSink:
    def __init__(self, host="127.0.0.1", port=0):
        self.messages = []
        self.fail_next = 0
        self.lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write((line + "\r\n").encode("ascii"))

            def handle(self):
                self.reply("220 apiops-smtp-sink ready")
                sender, recipients = None, []
                while True:
                    raw = self.rfile.readline()
                    if not raw:
                        return
                    command = raw.decode("utf-8", "replace").strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-apiops-smtp-sink" if verb == "EHLO" else "250 apiops-smtp-sink")
                        if verb == "EHLO":
                            self.reply("250 8BITMIME")
                    elif verb == "MAIL":
                        sender, recipients = command.split(":", 1)[1].strip().strip("<>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while True:
                            line = self.rfile.readline()
                            if not line or line in (b".\r\n", b".\n"):
                                break
                            lines.append(line[1:] if line.startswith(b"..") else line)
                        with sink.lock:
                            if sink.fail_next > 0:
                                sink.fail_next -= 1
                                self.reply("451 Requested action aborted: local error in processing")
                                continue
                            message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                            body = message.get_body(preferencelist=("plain",))
                            sink.messages.append({"from": sender, "to": list(recipients), "subject": str(message["Subject"]),
                                                  "body": body.get_content() if body else ""})
                        self.reply("250 OK: queued")
                    elif verb == "RSET":
                        sender, recipients = None, []
                        self.reply("250 OK")
                    elif verb == "NOOP":
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        self.server = socketserver.ThreadingTCPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
