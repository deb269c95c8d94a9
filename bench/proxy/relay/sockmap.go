package main

import (
	"fmt"
	"log"
	"net"
	"os"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// sockmap holds a SOCKHASH whose key is a socket cookie and whose value is that socket's PEER: the
// stream verdict program looks up its own socket's cookie and redirects the bytes to the egress of
// the socket found there (the peer). Closing a socket removes it from the map (kernel).
type sockmap struct {
	m     *ebpf.Map
	ep    int
	mu    sync.Mutex
	pairs map[int]*pair // by fd
}

func newSockmap() (*sockmap, error) {
	m, err := ebpf.NewMap(&ebpf.MapSpec{
		Name:       "labhub_relay",
		Type:       ebpf.SockHash,
		KeySize:    8,
		ValueSize:  4,
		MaxEntries: 65536,
	})
	if err != nil {
		return nil, fmt.Errorf("create SOCKHASH: %w", err)
	}
	// r6 = skb; key = bpf_get_socket_cookie(skb) on the stack; return bpf_sk_redirect_hash(skb,
	// map, &key, 0) (0 = the peer's egress); SK_DROP when the peer is not (or no longer) there.
	insns := asm.Instructions{
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.FnGetSocketCookie.Call(),
		asm.StoreMem(asm.RFP, -8, asm.R0, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.R6),
		asm.LoadMapPtr(asm.R2, m.FD()),
		asm.Mov.Reg(asm.R3, asm.RFP),
		asm.Add.Imm(asm.R3, -8),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnSkRedirectHash.Call(),
		asm.Return(),
	}
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         "labhub_verdict",
		Type:         ebpf.SkSKB,
		AttachType:   ebpf.AttachSkSKBStreamVerdict,
		Instructions: insns,
		License:      "Dual MIT/GPL",
	})
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("load sk_skb verdict program: %w", err)
	}
	if err := link.RawAttachProgram(link.RawAttachProgramOptions{
		Target: m.FD(), Program: p, Attach: ebpf.AttachSkSKBStreamVerdict,
	}); err != nil {
		return nil, fmt.Errorf("attach verdict to SOCKHASH: %w", err)
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	s := &sockmap{m: m, ep: ep, pairs: map[int]*pair{}}
	go s.loop()
	return s, nil
}

// relay puts both sockets in the map, each under the other's cookie, and hands them to the epoll
// loop, which only wakes for EOF (and for bytes queued before the insert, which the verdict does
// not see until more data arrives: forwarded from user space, see drainLocked). Bytes a client
// sends in the instant between the insert and that drain could overtake the earlier ones; HTTP
// requests and the WebSocket handshake wait for their answer, so for this bench nothing is sent
// then. A proxy built on this would have to hold the client back until the drain is done.
func (s *sockmap) relay(c, u *net.TCPConn) {
	// Own blocking-mode duplicates, out of Go's poller: Go waits for EPOLLOUT too, and the
	// kernel's writes on these sockets would wake it once per message.
	cf, err1 := c.File()
	uf, err2 := u.File()
	c.Close()
	u.Close()
	if err1 != nil || err2 != nil {
		closeFiles(cf, uf)
		return
	}
	p := &pair{fd: [2]int{int(cf.Fd()), int(uf.Fd())}, files: [2]*os.File{cf, uf}}
	var cookie [2]uint64
	for i := range 2 {
		if cookie[i], err1 = unix.GetsockoptUint64(p.fd[i], unix.SOL_SOCKET, unix.SO_COOKIE); err1 != nil {
			p.close()
			return
		}
	}
	// Upstream first: it has sent nothing yet (the client speaks first), so nothing is stranded.
	if err := s.m.Update(cookie[0], uint32(p.fd[1]), ebpf.UpdateNoExist); err != nil {
		p.copyInstead()
		return
	}
	if err := s.m.Update(cookie[1], uint32(p.fd[0]), ebpf.UpdateNoExist); err != nil {
		s.m.Delete(cookie[0])
		p.copyInstead()
		return
	}
	s.mu.Lock()
	for i := range 2 {
		s.pairs[p.fd[i]] = p
	}
	s.mu.Unlock()
	for i := range 2 {
		unix.SetNonblock(p.fd[i], true)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range 2 {
		// Drained before it is watched; epoll reports at once what arrives in between.
		if s.drainLocked(p, i); p.eof[i] {
			continue
		}
		// EPOLLRDHUP only (EPOLLERR/EPOLLHUP are implied): the socket looks readable for a
		// moment whenever the verdict runs, and EPOLLIN would wake this loop once per message.
		ev := unix.EpollEvent{Events: unix.EPOLLRDHUP, Fd: int32(p.fd[i])}
		if err := unix.EpollCtl(s.ep, unix.EPOLL_CTL_ADD, p.fd[i], &ev); err != nil {
			log.Printf("epoll add: %v", err)
		}
	}
}

// pair is one relayed connection: [0] the client's socket, [1] the upstream's.
type pair struct {
	mu    sync.Mutex
	fd    [2]int
	files [2]*os.File
	eof   [2]bool
}

func (p *pair) close() { closeFiles(p.files[0], p.files[1]) }

// copyInstead relays in user space a pair the map refused (a socket no longer ESTABLISHED: the
// client sent its request and half-closed, or left already).
func (p *pair) copyInstead() {
	defer p.close()
	c, err1 := net.FileConn(p.files[0])
	u, err2 := net.FileConn(p.files[1])
	if err1 == nil && err2 == nil {
		copyBoth(c.(*net.TCPConn), u.(*net.TCPConn))
		return
	}
	for _, x := range []net.Conn{c, u} {
		if x != nil {
			x.Close()
		}
	}
}

func closeFiles(fs ...*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}

// loop waits for readable/EOF events on relayed sockets (the redirected bytes never wake it).
func (s *sockmap) loop() {
	evs := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(s.ep, evs, -1)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			log.Fatalf("epoll_wait: %v", err)
		}
		for _, ev := range evs[:n] {
			s.mu.Lock()
			p := s.pairs[int(ev.Fd)]
			s.mu.Unlock()
			if p == nil {
				continue
			}
			i := 0
			if p.fd[1] == int(ev.Fd) {
				i = 1
			}
			p.mu.Lock()
			s.drainLocked(p, i)
			p.mu.Unlock()
		}
	}
}

// drainLocked (p.mu held) reads what user space can see on side i (bytes queued before the insert; a 0-byte read is
// the FIN) and writes it to the other side; at EOF it half-closes the other side, and closes the
// pair (which removes both sockets from the map) once both sides have ended.
func (s *sockmap) drainLocked(p *pair, i int) {
	if p.eof[i] {
		return
	}
	buf := make([]byte, 65536)
	for {
		n, err := unix.Read(p.fd[i], buf)
		if n > 0 {
			unix.SetNonblock(p.fd[1-i], false)
			_, werr := unix.Write(p.fd[1-i], buf[:n])
			unix.SetNonblock(p.fd[1-i], true)
			if werr != nil {
				err = werr
			} else {
				continue
			}
		}
		if err == unix.EAGAIN {
			return
		}
		break // EOF (n == 0) or an error
	}
	// As copyBoth: each EOF half-closes the other side; the upstream gets drainAfterClientEOF
	// after the client's.
	p.eof[i] = true
	unix.Shutdown(p.fd[1-i], unix.SHUT_WR)
	unix.EpollCtl(s.ep, unix.EPOLL_CTL_DEL, p.fd[i], nil)
	if i == 0 && !p.eof[1] {
		time.AfterFunc(drainAfterClientEOF, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if !p.eof[1] {
				p.eof[1] = true
				s.closeLocked(p)
			}
		})
	}
	if p.eof[1-i] {
		s.closeLocked(p)
	}
}

// closeLocked (p.mu held) closes a pair, which takes both sockets out of the map.
func (s *sockmap) closeLocked(p *pair) {
	unix.EpollCtl(s.ep, unix.EPOLL_CTL_DEL, p.fd[0], nil)
	unix.EpollCtl(s.ep, unix.EPOLL_CTL_DEL, p.fd[1], nil)
	s.mu.Lock()
	delete(s.pairs, p.fd[0])
	delete(s.pairs, p.fd[1])
	s.mu.Unlock()
	p.close()
}
