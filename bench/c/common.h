/* What every C baseline shares: a monotonic clock in seconds, and exit on a failed call. */
#ifndef SOCKET_BENCH_COMMON_H
#define SOCKET_BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

#endif
