/* C baselines for bench/run.ts: plain blocking syscalls, one workload per invocation.
 *
 *   bench w1 N | w2 N | w5 N | w6 N | w9 N | w9-mmsg N | w9-gso N
 *   bench w3-server | w4-server        (prints {"port":P}, serves one connection, exits)
 *   bench w3-client PORT N | w4-client PORT BYTES
 *
 * Prints one JSON line: {"seconds":S,"count":N,"checksum":C}. The checksum rules are the
 * same in every implementation (see bench/README section in RESULTS.md).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define MSG 64
#define CHUNK 65536

static void report(double seconds, double count, double checksum) {
  printf("{\"seconds\":%.9f,\"count\":%.0f,\"checksum\":%.0f}\n", seconds, count, checksum);
  fflush(stdout);
}

/* Reads exactly n bytes (bounded: returns early on EOF). */
static size_t recv_exact(int fd, unsigned char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd, buf + got, n - got, 0);
    if (r < 0) die("recv");
    if (r == 0) break;
    got += (size_t)r;
  }
  return got;
}

static void nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int listener(int *port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) die("socket");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  if (listen(s, 16) < 0) die("listen");
  socklen_t len = sizeof a;
  getsockname(s, (struct sockaddr *)&a, &len);
  *port = ntohs(a.sin_port);
  return s;
}

static int connect_to(int port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) die("socket");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  nodelay(s);
  return s;
}

/* Two UDP sockets bound to loopback ports (W5, W9): descriptors and addresses. */
static void udp_pair(int *a, struct sockaddr_in *aa, int *b, struct sockaddr_in *ba) {
  int *fds[2] = {a, b};
  struct sockaddr_in *addrs[2] = {aa, ba};
  for (int i = 0; i < 2; i++) {
    *fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (*fds[i] < 0) die("socket");
    *addrs[i] = (struct sockaddr_in){.sin_family = AF_INET,
                                     .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(*fds[i], (struct sockaddr *)addrs[i], sizeof *addrs[i]) < 0) die("bind");
    socklen_t len = sizeof *addrs[i];
    getsockname(*fds[i], (struct sockaddr *)addrs[i], &len);
  }
}

/* Ping-pong client loop shared by w2 (server in the same thread) and w3. */
static double pingpong(int cli, int srv, long n) {
  unsigned char msg[MSG], buf[MSG], sbuf[MSG];
  memset(msg, 7, MSG);
  double sum = 0;
  for (long i = 0; i < n; i++) {
    msg[0] = (unsigned char)(i & 255);
    if (send(cli, msg, MSG, MSG_NOSIGNAL) != MSG) die("send");
    if (srv >= 0) {
      recv_exact(srv, sbuf, MSG);
      if (send(srv, sbuf, MSG, MSG_NOSIGNAL) != MSG) die("send");
    }
    size_t got = recv_exact(cli, buf, MSG);
    sum += got + buf[0];
  }
  return sum;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *w = argv[1];
  if (!strcmp(w, "w1")) {
    long n = atol(argv[2]);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
    unsigned char msg[MSG], buf[MSG];
    memset(msg, 7, MSG);
    double sum = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
      msg[0] = (unsigned char)(i & 255);
      if (send(sv[0], msg, MSG, MSG_NOSIGNAL) != MSG) die("send");
      size_t got = recv_exact(sv[1], buf, MSG);
      sum += got + buf[0];
    }
    report(now() - t0, n, sum);
  } else if (!strcmp(w, "w2")) {
    long n = atol(argv[2]);
    int port;
    int l = listener(&port);
    int cli = connect_to(port);
    int srv = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (srv < 0) die("accept");
    nodelay(srv);
    double t0 = now();
    double sum = pingpong(cli, srv, n);
    report(now() - t0, n, sum);
  } else if (!strcmp(w, "w3-server") || !strcmp(w, "w4-server")) {
    int port;
    int l = listener(&port);
    printf("{\"port\":%d}\n", port);
    fflush(stdout);
    int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) die("accept");
    nodelay(c);
    static unsigned char buf[CHUNK];
    if (w[1] == '3') {
      for (;;) { /* echo 64-byte messages until EOF */
        size_t got = recv_exact(c, buf, MSG);
        if (got < MSG) break;
        if (send(c, buf, MSG, MSG_NOSIGNAL) != MSG) die("send");
      }
    } else {
      double total = 0, bad = 0;
      for (;;) {
        ssize_t r = recv(c, buf, CHUNK, 0);
        if (r < 0) die("recv");
        if (r == 0) break;
        if (buf[0] != (unsigned char)((unsigned long long)total & 255)) bad++;
        total += r;
      }
      double out[2] = {total, bad};
      if (send(c, out, 16, MSG_NOSIGNAL) != 16) die("send");
    }
    close(c);
  } else if (!strcmp(w, "w3-client")) {
    int cli = connect_to(atoi(argv[2]));
    long n = atol(argv[3]);
    double t0 = now();
    double sum = pingpong(cli, -1, n);
    double t = now() - t0;
    close(cli);
    report(t, n, sum);
  } else if (!strcmp(w, "w4-client")) {
    int cli = connect_to(atoi(argv[2]));
    double bytes = atof(argv[3]);
    static unsigned char buf[CHUNK];
    for (int i = 0; i < CHUNK; i++) buf[i] = (unsigned char)i;
    double t0 = now();
    double sent = 0;
    while (sent < bytes) {
      size_t want = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
      ssize_t r = send(cli, buf, want, MSG_NOSIGNAL);
      if (r < 0) die("send");
      sent += r;
      /* keep the stream pattern: the next send starts at offset sent (CHUNK is a
         multiple of 256, so a short send shifts the pattern: resend from the right byte) */
      if ((size_t)r != want) {
        size_t off = (size_t)r;
        while (off < want) {
          ssize_t r2 = send(cli, buf + off, want - off, MSG_NOSIGNAL);
          if (r2 < 0) die("send");
          off += r2;
          sent += r2;
        }
      }
    }
    shutdown(cli, SHUT_WR);
    double res[2];
    if (recv_exact(cli, (unsigned char *)res, 16) != 16) die("short ack");
    double t = now() - t0;
    report(t, bytes, res[1] == 0 ? res[0] : -1);
  } else if (!strcmp(w, "w5")) {
    long n = atol(argv[2]);
    int a, b;
    struct sockaddr_in aa, ba;
    udp_pair(&a, &aa, &b, &ba);
    unsigned char msg[MSG], buf[MSG];
    memset(msg, 7, MSG);
    double sum = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
      msg[0] = (unsigned char)(i & 255);
      if (sendto(b, msg, MSG, MSG_NOSIGNAL, (struct sockaddr *)&aa, sizeof aa) != MSG) die("sendto");
      struct sockaddr_in from;
      socklen_t flen = sizeof from;
      ssize_t r = recvfrom(a, buf, MSG, 0, (struct sockaddr *)&from, &flen);
      if (r < 0) die("recvfrom");
      if (from.sin_port != ba.sin_port) r = -1000000;
      sum += r + buf[0];
    }
    report(now() - t0, n, sum);
  } else if (!strcmp(w, "w9") || !strcmp(w, "w9-mmsg")) {
    /* W9: UDP 64 B datagrams in batches of 64: the batch's sends, then its receives.
     * "w9" makes one call per datagram (sendto, recvfrom: the baseline); "w9-mmsg" one
     * sendmmsg and as many recvmmsg (MSG_WAITFORONE) as it takes per batch. */
    int batched = !strcmp(w, "w9-mmsg");
    long n = atol(argv[2]);
    int a, b;
    struct sockaddr_in aa, ba;
    udp_pair(&a, &aa, &b, &ba);
    enum { B = 64 };
    static unsigned char out[B][MSG], in[B][MSG];
    static struct iovec oiov[B], iiov[B];
    static struct mmsghdr omsg[B], imsg[B];
    static struct sockaddr_in from[B];
    memset(out, 7, sizeof out);
    for (int j = 0; j < B; j++) {
      oiov[j] = (struct iovec){out[j], MSG};
      iiov[j] = (struct iovec){in[j], MSG};
      omsg[j].msg_hdr = (struct msghdr){.msg_name = &aa, .msg_namelen = sizeof aa,
                                        .msg_iov = &oiov[j], .msg_iovlen = 1};
      imsg[j].msg_hdr = (struct msghdr){.msg_name = &from[j], .msg_iov = &iiov[j], .msg_iovlen = 1};
    }
    double sum = 0;
    double t0 = now();
    for (long i = 0; i < n; i += B) {
      int k = n - i < B ? (int)(n - i) : B;
      for (int j = 0; j < k; j++) out[j][0] = (unsigned char)((i + j) & 255);
      if (batched) {
        if (sendmmsg(b, omsg, k, MSG_NOSIGNAL) != k) die("sendmmsg");
        for (int got = 0; got < k;) {
          for (int j = 0; j < k - got; j++) imsg[j].msg_hdr.msg_namelen = sizeof from[j];
          int r = recvmmsg(a, imsg, k - got, MSG_WAITFORONE, NULL);
          if (r < 0) die("recvmmsg");
          for (int j = 0; j < r; j++) {
            double m = imsg[j].msg_len;
            if (from[j].sin_port != ba.sin_port) m = -1000000;
            sum += m + in[j][0];
          }
          got += r;
        }
      } else {
        for (int j = 0; j < k; j++) {
          if (sendto(b, out[j], MSG, MSG_NOSIGNAL, (struct sockaddr *)&aa, sizeof aa) != MSG)
            die("sendto");
        }
        for (int j = 0; j < k; j++) {
          socklen_t flen = sizeof from[0];
          ssize_t r = recvfrom(a, in[0], MSG, 0, (struct sockaddr *)&from[0], &flen);
          if (r < 0) die("recvfrom");
          if (from[0].sin_port != ba.sin_port) r = -1000000;
          sum += r + in[0][0];
        }
      }
    }
    report(now() - t0, n, sum);
  } else if (!strcmp(w, "w9-gso")) {
    /* W9 with UDP GSO/GRO: one sendto carries the batch's 64 datagrams (UDP_SEGMENT cuts
     * it into 64 B datagrams); the receiver's UDP_GRO hands them back coalesced, each
     * MSG bytes (the segment size, also given in a UDP_GRO control message). */
    long n = atol(argv[2]);
    int a, b;
    struct sockaddr_in aa, ba;
    udp_pair(&a, &aa, &b, &ba);
    int seg = MSG, one = 1;
    if (setsockopt(b, IPPROTO_UDP, 103 /* UDP_SEGMENT */, &seg, sizeof seg) < 0) die("UDP_SEGMENT");
    if (setsockopt(a, IPPROTO_UDP, 104 /* UDP_GRO */, &one, sizeof one) < 0) die("UDP_GRO");
    static unsigned char out[64 * MSG], in[65536];
    memset(out, 7, sizeof out);
    double sum = 0;
    double t0 = now();
    for (long i = 0; i < n; i += 64) {
      int k = n - i < 64 ? (int)(n - i) : 64;
      for (int j = 0; j < k; j++) out[j * MSG] = (unsigned char)((i + j) & 255);
      if (sendto(b, out, (size_t)k * MSG, MSG_NOSIGNAL, (struct sockaddr *)&aa, sizeof aa) !=
          k * MSG)
        die("sendto");
      for (int got = 0; got < k;) {
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t r = recvfrom(a, in, sizeof in, 0, (struct sockaddr *)&from, &flen);
        if (r < 0) die("recvfrom");
        for (ssize_t off = 0; off < r; off += MSG, got++) {
          double m = r - off < MSG ? r - off : MSG;
          if (from.sin_port != ba.sin_port) m = -1000000;
          sum += m + in[off];
        }
      }
    }
    report(now() - t0, n, sum);
  } else if (!strcmp(w, "w6")) {
    long n = atol(argv[2]);
    double ok = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
      struct addrinfo hints = {0}, *res;
      int e = getaddrinfo("localhost", "80", &hints, &res);
      if (e != 0) {
        fprintf(stderr, "getaddrinfo: %s\n", gai_strerror(e));
        exit(1);
      }
      char host[64];
      if (getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, NULL, 0,
                      NI_NUMERICHOST) == 0 &&
          (!strcmp(host, "127.0.0.1") || !strcmp(host, "::1")))
        ok++;
      freeaddrinfo(res);
    }
    report(now() - t0, n, ok);
  } else {
    return 2;
  }
  return 0;
}
