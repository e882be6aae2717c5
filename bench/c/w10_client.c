/*
 * W10's client (bench/w10.ts runs it): CONNS concurrent TCP connections to 127.0.0.1:PORT,
 * each doing N / CONNS round trips of 64 bytes (the first byte of the i-th message is
 * i & 255, the rest 7), from one thread with epoll, so that the client costs the servers
 * under test as little CPU as it can. The clock starts once every connection is up and
 * stops at the last echo; prints {"seconds", "count", "checksum"} as the other programs
 * do (checksum: the bytes received plus each echo's first byte, as pingSum in run.ts).
 *
 * Usage: w10_client PORT CONNS N
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MSG 64

struct conn {
  int fd;
  int left;      /* round trips still to make */
  int i;         /* index of the message in flight */
  int got;       /* bytes of its echo received */
  unsigned char buf[MSG];
};

static void send_next(struct conn *c) {
  unsigned char msg[MSG];
  memset(msg, 7, MSG);
  msg[0] = c->i & 255;
  c->got = 0;
  /* 64 bytes into an empty send buffer of a connection with one message in flight */
  if (send(c->fd, msg, MSG, MSG_NOSIGNAL) != MSG) die("send");
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: w10_client PORT CONNS N\n");
    return 2;
  }
  int port = atoi(argv[1]), conns = atoi(argv[2]);
  long n = atol(argv[3]);
  int per = (int)(n / conns);
  if (per < 1) per = 1;
  struct conn *cs = calloc(conns, sizeof *cs);
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  for (int k = 0; k < conns; k++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) die("connect");
    cs[k] = (struct conn){.fd = fd, .left = per};
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[k]};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
  }
  long total = 0;
  int active = conns;
  double t0 = now();
  for (int k = 0; k < conns; k++) send_next(&cs[k]);
  struct epoll_event evs[256];
  while (active > 0) {
    int ready = epoll_wait(ep, evs, 256, 60000);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    if (ready == 0) {
      fprintf(stderr, "w10_client: no echo for 60 s (%d connections unfinished)\n", active);
      return 1;
    }
    for (int e = 0; e < ready; e++) {
      struct conn *c = evs[e].data.ptr;
      ssize_t r = recv(c->fd, c->buf + c->got, MSG - c->got, MSG_DONTWAIT);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) {
        fprintf(stderr, "w10_client: the server closed a connection early\n");
        return 1;
      }
      if (c->got == 0) total += c->buf[0];
      c->got += (int)r;
      total += r;
      if (c->got < MSG) continue;
      c->i++;
      if (--c->left == 0) {
        active--;
        continue;
      }
      send_next(c);
    }
  }
  double t = now() - t0;
  for (int k = 0; k < conns; k++) close(cs[k].fd);
  printf("{\"seconds\":%.6f,\"count\":%ld,\"checksum\":%ld}\n", t, (long)per * conns, total);
  return 0;
}
