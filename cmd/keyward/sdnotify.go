package main

import (
	"net"
	"os"
	"time"
)

// notifySystemd tells systemd, for a unit of Type=notify, how the service
// is doing (READY=1 once it serves, RELOADING=1 around SIGHUP, STOPPING=1):
// sd_notify(3)'s datagram to $NOTIFY_SOCKET, written here rather than
// taken from a library. Without the variable (not started by systemd) it
// does nothing; a failure is not the service's.
func notifySystemd(state string) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return
	}
	if path[0] == '@' {
		path = "\x00" + path[1:] // an abstract socket
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	conn.Write([]byte(state))
}
