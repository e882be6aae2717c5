/* bench/uring_probe.ts in C, for the kernel's side of the comparison without FFI: W2's
 * one-process 64 B ping-pong on a socketpair, blocking (send, recv, send, recv) against
 * io_uring (the four as one linked chain per io_uring_enter, or K chains per enter), the
 * rings mapped by hand (no liburing), completions reaped without a system call.
 *
 *   cc -O2 -o /tmp/uring_probe bench/c/uring_probe.c && /tmp/uring_probe 200000 [K] [nolink]
 */
#define _GNU_SOURCE
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MSG 64

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void *map(int fd, size_t size, off_t offset) {
  void *p = mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  return p;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  int batch = argc > 2 ? atoi(argv[2]) : 1;
  int link = !(argc > 3 && !strcmp(argv[3], "nolink"));
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return 1;
  struct io_uring_params p = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN};
  int fd = syscall(__NR_io_uring_setup, 256, &p);
  if (fd < 0) {
    perror("io_uring_setup");
    return 1;
  }
  size_t sq = p.sq_off.array + p.sq_entries * 4, cq = p.cq_off.cqes + p.cq_entries * 16;
  char *ring = map(fd, sq > cq ? sq : cq, IORING_OFF_SQ_RING);
  struct io_uring_sqe *sqes = map(fd, p.sq_entries * sizeof *sqes, IORING_OFF_SQES);
  _Atomic unsigned *sq_tail = (void *)(ring + p.sq_off.tail);
  unsigned sq_mask = *(unsigned *)(ring + p.sq_off.ring_mask);
  unsigned *sq_array = (void *)(ring + p.sq_off.array);
  _Atomic unsigned *cq_head = (void *)(ring + p.cq_off.head);
  _Atomic unsigned *cq_tail = (void *)(ring + p.cq_off.tail);
  unsigned cq_mask = *(unsigned *)(ring + p.cq_off.ring_mask);
  struct io_uring_cqe *cqes = (void *)(ring + p.cq_off.cqes);
  static char msg[MSG], b1[MSG], b2[MSG];
  memset(msg, 7, MSG);

  double t0 = now();
  for (long i = 0; i < n; i++) {
    if (send(sv[0], msg, MSG, 0) != MSG || recv(sv[1], b1, MSG, 0) != MSG ||
        send(sv[1], b1, MSG, 0) != MSG || recv(sv[0], b2, MSG, 0) != MSG)
      return 1;
  }
  double blocking = now() - t0;

  const int ops[4] = {IORING_OP_SEND, IORING_OP_RECV, IORING_OP_SEND, IORING_OP_RECV};
  const int fds[4] = {sv[0], sv[1], sv[1], sv[0]};
  char *const bufs[4] = {msg, b1, b1, b2};
  unsigned tail = atomic_load(sq_tail);
  t0 = now();
  for (long i = 0; i < n; i += batch) {
    for (int j = 0; j < batch; j++) {
      for (int k = 0; k < 4; k++, tail++) {
        unsigned idx = tail & sq_mask;
        struct io_uring_sqe *s = &sqes[idx];
        memset(s, 0, sizeof *s);
        s->opcode = ops[k];
        s->fd = fds[k];
        s->addr = (unsigned long)bufs[k];
        s->len = MSG;
        s->flags = link && k < 3 ? IOSQE_IO_LINK : 0;
        sq_array[idx] = idx;
      }
    }
    atomic_store_explicit(sq_tail, tail, memory_order_release);
    if (syscall(__NR_io_uring_enter, fd, 4 * batch, 4 * batch, IORING_ENTER_GETEVENTS, 0, 0) < 0) {
      perror("io_uring_enter");
      return 1;
    }
    unsigned h = atomic_load(cq_head), t = atomic_load_explicit(cq_tail, memory_order_acquire);
    for (; h != t; h++) {
      if (cqes[h & cq_mask].res != MSG) {
        fprintf(stderr, "completion %d\n", cqes[h & cq_mask].res);
        return 1;
      }
    }
    atomic_store_explicit(cq_head, h, memory_order_release);
  }
  double uring = now() - t0;
  printf("C blocking %.2f us/round trip, C io_uring x%d%s %.2f us/round trip: %.2fx\n",
         blocking / n * 1e6, batch, link ? "" : " (no links)", uring / n * 1e6, blocking / uring);
  return 0;
}
