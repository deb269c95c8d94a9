// Reference TCP relays for bench/proxy/run.mjs: what any proxy can reach on this machine.
//
//	relay -mode copy    -upstream 127.0.0.1:PORT   user space: accept, dial, io.Copy both ways
//	                                                (Go splices TCP to TCP with splice(2))
//	relay -mode sockmap -upstream 127.0.0.1:PORT   kernel: an eBPF sk_skb stream verdict redirects
//	                                                each socket's ingress to its peer's egress
//
// It listens on 127.0.0.1 (port -listen, default any free one), prints "PORT <n>" and relays every
// connection to the upstream without looking at the bytes (no routing, no HTTP): a lower bound on
// what a proxy costs, not a proxy.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"
)

func main() {
	mode := flag.String("mode", "copy", "copy (user-space splice) or sockmap (eBPF redirect)")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	upstream := flag.String("upstream", "", "host:port to relay to")
	flag.Parse()
	if *upstream == "" {
		log.Fatal("-upstream is required")
	}
	var handle func(c, u *net.TCPConn)
	switch *mode {
	case "copy":
		handle = copyBoth
	case "sockmap":
		s, err := newSockmap()
		if err != nil {
			log.Fatalf("sockmap: %v", err)
		}
		handle = s.relay
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("PORT %d\n", ln.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			u, err := net.Dial("tcp", *upstream)
			if err != nil {
				c.Close()
				return
			}
			cc, uc := c.(*net.TCPConn), u.(*net.TCPConn)
			cc.SetNoDelay(true)
			uc.SetNoDelay(true)
			handle(cc, uc)
		}()
	}
}

// drainAfterClientEOF bounds how long the upstream may keep a connection open after the client's
// FIN (an HTTP upstream keeps an idle keep-alive connection half-open until its own timeout).
const drainAfterClientEOF = 3 * time.Second

// copyBoth pipes both directions (TCPConn.ReadFrom splices), half-closing each side at the other's
// EOF; the upstream gets drainAfterClientEOF after the client's EOF to finish.
func copyBoth(c, u *net.TCPConn) {
	upDone := make(chan struct{})
	go func() {
		io.Copy(c, u)
		c.CloseWrite()
		close(upDone)
	}()
	io.Copy(u, c)
	u.CloseWrite()
	u.SetReadDeadline(time.Now().Add(drainAfterClientEOF))
	<-upDone
	c.Close()
	u.Close()
}
