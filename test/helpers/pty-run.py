"""Runs a command under a real pseudo-terminal and answers its prompts.

usage: pty-run.py TIMEOUT_SECONDS SCRIPT_JSON -- COMMAND...
SCRIPT_JSON is a list of [expect_regex, answer] pairs: when the output so far (since the last
answer) matches expect_regex, answer followed by Enter is typed. An answer may instead be
{"keys": "\u0003"} (typed as is: Ctrl-C, which the terminal turns into SIGINT for the command's
process group) or {"signal": "SIGTERM"} (sent to the command). Prints the whole terminal output
and exits with the command's exit code (124 on timeout).
"""
import fcntl, json, os, pty, re, select, signal, struct, sys, termios, time

def main():
    timeout = float(sys.argv[1])
    script = json.loads(sys.argv[2])
    cmd = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ['TERM'] = 'xterm'
        os.environ['COLUMNS'] = '120'
        os.execvp(cmd[0], cmd)
    # A terminal of 40 rows and 120 columns (an unsized one says 0: progress drawers show nothing).
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
    out = b''
    pending = b''
    step = 0
    deadline = time.time() + timeout
    status = None
    while True:
        if time.time() > deadline:
            os.kill(pid, signal.SIGKILL)
            sys.stdout.write(out.decode('utf-8', 'replace'))
            sys.exit(124)
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b''
            if not data:
                break
            out += data
            pending += data
        if step < len(script) and re.search(script[step][0], pending.decode('utf-8', 'replace')):
            time.sleep(0.05)
            answer = script[step][1]
            if isinstance(answer, dict) and 'signal' in answer:
                os.kill(pid, getattr(signal, answer['signal']))
            elif isinstance(answer, dict):
                os.write(fd, answer['keys'].encode())
            else:
                os.write(fd, answer.encode() + b'\r')
            step += 1
            pending = b''
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            # drain what is left
            while True:
                r, _, _ = select.select([fd], [], [], 0.05)
                if not r:
                    break
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                out += data
            break
    if status is None:
        _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode('utf-8', 'replace'))
    sys.exit(os.waitstatus_to_exitcode(status))

main()
