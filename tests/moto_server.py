# moto's S3 server for the test suites (tests/moto.rs, crates/s3/tests/s3.rs): it exits when
# its stdin closes, i.e. when the test process that started it ends, since a test binary's
# statics are never dropped and a Drop guard alone would leave the server running.
import os, sys, threading

def watch():
    sys.stdin.buffer.read()
    os._exit(0)

threading.Thread(target=watch, daemon=True).start()
from moto.server import main
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
