package kwtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// The AWS CLI's own Python spends most of a second of processor time
// importing itself, far more than a command line takes once it is loaded,
// and the tests run hundreds of command lines. So they run in a few
// long-lived Python processes, each loading /usr/bin/aws's package once
// and then running one command line at a time as /usr/bin/aws runs it
// (awscli.clidriver.main with the command line as sys.argv), in that
// command line's own environment, printing into buffers instead of the
// process's standard output and error. Each command line makes a session
// of its own, as a process of its own would: configuration, credentials
// and caches are read again from its environment and files.

// awsCLIWorker is the Python program of such a process. It reads requests
// (a JSON line: env, args) from file descriptor 3 and writes each one's
// result (a JSON line: stdout, stderr, code) to file descriptor 4.
const awsCLIWorker = `
import io, json, logging, os, sys, traceback

requests = os.fdopen(3, "r", encoding="utf-8")
results = os.fdopen(4, "w", encoding="utf-8")
import awscli.clidriver
data = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data")

for line in requests:
    req = json.loads(line)
    os.environ.clear()
    for kv in req["env"]:
        k, _, v = kv.partition("=")
        os.environ[k] = v
    # What /usr/bin/aws does before it imports the CLI, and what the
    # import does: the CLI's data after the environment's.
    if os.environ.get("LC_CTYPE", "") == "UTF-8":
        os.environ["LC_CTYPE"] = "en_US.UTF-8"
    paths = []
    if "AWS_DATA_PATH" in os.environ:
        paths = [os.path.expanduser(os.path.expandvars(p)) for p in os.environ["AWS_DATA_PATH"].split(os.pathsep)]
    os.environ["AWS_DATA_PATH"] = os.pathsep.join(paths + [data])
    # A process of its own would print in Python's UTF-8 mode (the
    # command lines run without a locale): the same encodings and errors.
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="surrogateescape", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
    saved = sys.stdout, sys.stderr, sys.argv
    sys.stdout, sys.stderr, sys.argv = out, err, ["/usr/bin/aws"] + req["args"]
    try:
        code = awscli.clidriver.main()
    except SystemExit as e:
        code = e.code
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout, sys.stderr, sys.argv = saved
    # sys.exit's rules for its argument.
    if code is None:
        code = 0
    elif not isinstance(code, int):
        err.write(str(code) + "\n")
        code = 1
    # --debug adds handlers that print into this command line's buffers.
    for logger in [logging.getLogger()] + [l for l in logging.Logger.manager.loggerDict.values() if isinstance(l, logging.Logger)]:
        for h in list(logger.handlers):
            logger.removeHandler(h)
        logger.setLevel(logging.NOTSET)
    results.write(json.dumps({
        "stdout": out.buffer.getvalue().decode("utf-8", "surrogateescape"),
        "stderr": err.buffer.getvalue().decode("utf-8", "backslashreplace"),
        "code": code & 0xff,
    }) + "\n")
    results.flush()
`

type awsCLIProcess struct {
	cmd      *exec.Cmd
	requests *os.File
	results  *bufio.Reader
}

// awsCLIProcesses are the idle ones; a command line takes one or, when
// all are busy (command lines run at once), starts another.
var awsCLIProcesses struct {
	sync.Mutex
	idle []*awsCLIProcess
}

func startAWSCLIProcess() (*awsCLIProcess, error) {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	resR, resW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return nil, err
	}
	cmd := exec.Command("/usr/bin/python3", "-c", awsCLIWorker)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.ExtraFiles = []*os.File{reqR, resW}
	err = cmd.Start()
	reqR.Close()
	resW.Close()
	if err != nil {
		reqW.Close()
		resR.Close()
		return nil, err
	}
	// The process ends when the test binary does: its requests end.
	go cmd.Wait()
	return &awsCLIProcess{cmd: cmd, requests: reqW, results: bufio.NewReaderSize(resR, 1<<16)}, nil
}

// runAWSCLI runs the AWS CLI's command line args in env in one of the
// processes.
func runAWSCLI(env, args []string) (Output, error) {
	awsCLIProcesses.Lock()
	var p *awsCLIProcess
	if n := len(awsCLIProcesses.idle); n > 0 {
		p = awsCLIProcesses.idle[n-1]
		awsCLIProcesses.idle = awsCLIProcesses.idle[:n-1]
	}
	awsCLIProcesses.Unlock()
	if p == nil {
		var err error
		if p, err = startAWSCLIProcess(); err != nil {
			return Output{}, err
		}
	}
	req, err := json.Marshal(struct {
		Env  []string `json:"env"`
		Args []string `json:"args"`
	}{env, args})
	if err != nil {
		return Output{}, err
	}
	var res struct {
		Stdout, Stderr string
		Code           int
	}
	if _, err := p.requests.Write(append(req, '\n')); err != nil {
		p.cmd.Process.Kill()
		return Output{}, fmt.Errorf("the AWS CLI's process: %v", err)
	}
	line, err := p.results.ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &res)
	}
	if err != nil {
		p.cmd.Process.Kill()
		return Output{}, fmt.Errorf("the AWS CLI's process: %v", err)
	}
	awsCLIProcesses.Lock()
	awsCLIProcesses.idle = append(awsCLIProcesses.idle, p)
	awsCLIProcesses.Unlock()
	return Output{Stdout: res.Stdout, Stderr: res.Stderr, Code: res.Code}, nil
}
