"""Time from starting a terminal program to its first frame that shows `marker`.

Usage: python first_frame.py MARKER ROUNDS -- CMD ARGS...
Runs CMD in a 160x48 pseudo-terminal, reads its output until MARKER appears, and prints the
median elapsed seconds over ROUNDS runs. Works the same for netdash and jless.
"""
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import termios
import time


def once(marker, cmd):
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    seen = b""
    try:
        while True:
            r, _, _ = select.select([fd], [], [], 30)
            if not r:
                raise TimeoutError("no frame within 30 s")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError("program exited before drawing")
            seen += chunk
            if marker.encode() in seen:
                return time.perf_counter() - start
            seen = seen[-4096:]
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def main():
    marker, rounds = sys.argv[1], int(sys.argv[2])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    times = [once(marker, cmd) for _ in range(rounds)]
    print(f"{statistics.median(times):.3f}")


if __name__ == "__main__":
    main()
