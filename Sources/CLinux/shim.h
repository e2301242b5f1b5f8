// Linux kernel interfaces that Swift's Glibc module leaves out: its umbrella header
// includes neither <sys/epoll.h> nor <sys/eventfd.h>, and accept4 is declared only
// under _GNU_SOURCE. They live in libc itself, so nothing extra is linked.
#ifndef TWOFA_CLINUX_SHIM_H
#define TWOFA_CLINUX_SHIM_H

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <pthread.h>

extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
// Also _GNU_SOURCE only. Foundation's Thread.name doesn't reliably reach the kernel on Linux.
extern int pthread_setname_np(pthread_t thread, const char *name);

// struct epoll_event is packed on x86_64, which Swift cannot express; these wrappers
// keep its layout on the C side and hand Swift plain integers.
static inline int twofa_epoll_ctl(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event event = {0};
    event.events = events;
    event.data.fd = fd;
    return epoll_ctl(epfd, op, fd, &event);
}

static inline size_t twofa_epoll_event_size(void) { return sizeof(struct epoll_event); }

static inline int twofa_epoll_wait(int epfd, void *events, int capacity, int timeout_ms) {
    return epoll_wait(epfd, (struct epoll_event *)events, capacity, timeout_ms);
}

static inline int twofa_epoll_event_fd(const void *events, int index) {
    return ((const struct epoll_event *)events)[index].data.fd;
}

static inline uint32_t twofa_epoll_event_mask(const void *events, int index) {
    return ((const struct epoll_event *)events)[index].events;
}

#endif
