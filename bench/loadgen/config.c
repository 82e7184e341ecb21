#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void Usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s --uri URI --workload NAME [options]\n"
          "  --server NAME        CSV server column (default basalt)\n"
          "  --server-pid PID     server process for CPU/op and peak RSS\n"
          "  --clients N          simulated clients, one thread each (default 1)\n"
          "  --durability D       default | j:true (default: default)\n"
          "  --seconds S          length of each measured run (default 3)\n"
          "  --runs N             measured runs; the CSV gets their median (default 3)\n"
          "  --warmup S           discarded warm-up run (default 1, 0 = none)\n"
          "  --rate R             open loop at R ops/s over all clients (default: closed)\n"
          "  --rows N             documents in bench.users (default 1000000)\n"
          "  --find-batch N       batchSize of find100k (default 1000)\n"
          "  --no-assert          skip data assertions (null server)\n"
          "  --csv PATH           append result lines here (default stdout)\n"
          "workloads: load W1 W2 W3 update_id W4 W5 W6_id W6_email W7A W7B W7C\n"
          "           insertMany100k_ordered insertMany100k_unordered_dup10\n"
          "           find100k group topk\n",
          argv0);
}

static bool ParseNumber(const char *text, double min, double *out) {
  char *end;
  double v = strtod(text, &end);
  if (*text == '\0' || *end != '\0' || v < min) return false;
  *out = v;
  return true;
}

bool ParseConfig(int argc, char **argv, Config *cfg) {
  *cfg = (Config){.server_name = "basalt",
                  .durability = "default",
                  .clients = 1,
                  .runs = 3,
                  .seconds = 3,
                  .warmup_seconds = 1,
                  .rows = 1000000,
                  .find_batch = 1000};
  static const struct option kOptions[] = {{"uri", required_argument, 0, 'u'},
                                           {"workload", required_argument, 0, 'w'},
                                           {"server", required_argument, 0, 's'},
                                           {"server-pid", required_argument, 0, 'p'},
                                           {"clients", required_argument, 0, 'c'},
                                           {"durability", required_argument, 0, 'd'},
                                           {"seconds", required_argument, 0, 'S'},
                                           {"runs", required_argument, 0, 'r'},
                                           {"warmup", required_argument, 0, 'W'},
                                           {"rate", required_argument, 0, 'R'},
                                           {"rows", required_argument, 0, 'n'},
                                           {"find-batch", required_argument, 0, 'b'},
                                           {"no-assert", no_argument, 0, 'A'},
                                           {"csv", required_argument, 0, 'o'},
                                           {0, 0, 0, 0}};
  int opt;
  double v = 0;
  while ((opt = getopt_long(argc, argv, "", kOptions, NULL)) != -1) {
    bool ok = true;
    switch (opt) {
      case 'u':
        cfg->uri = optarg;
        break;
      case 'w':
        cfg->workload = optarg;
        break;
      case 's':
        cfg->server_name = optarg;
        break;
      case 'd':
        cfg->durability = optarg;
        break;
      case 'o':
        cfg->csv_path = optarg;
        break;
      case 'A':
        cfg->no_assert = true;
        break;
      case 'p':
        ok = ParseNumber(optarg, 1, &v);
        cfg->server_pid = (int)v;
        break;
      case 'c':
        ok = ParseNumber(optarg, 1, &v) && v <= 1000;
        cfg->clients = (int)v;
        break;
      case 'r':
        ok = ParseNumber(optarg, 1, &v);
        cfg->runs = (int)v;
        break;
      case 'S':
        ok = ParseNumber(optarg, 0.01, &cfg->seconds);
        break;
      case 'W':
        ok = ParseNumber(optarg, 0, &cfg->warmup_seconds);
        break;
      case 'R':
        ok = ParseNumber(optarg, 0, &cfg->rate);
        break;
      case 'n':
        ok = ParseNumber(optarg, 1, &v);
        cfg->rows = (long)v;
        break;
      case 'b':
        ok = ParseNumber(optarg, 1, &v);
        cfg->find_batch = (int)v;
        break;
      default:
        ok = false;
    }
    if (!ok) {
      fprintf(stderr, "loadgen: bad option or value at '%s'\n", argv[optind - 1]);
      Usage(argv[0]);
      return false;
    }
  }
  if (!cfg->uri || !cfg->workload || optind != argc) {
    Usage(argv[0]);
    return false;
  }
  if (strcmp(cfg->durability, "default") != 0 && strcmp(cfg->durability, "j:true") != 0) {
    fprintf(stderr, "loadgen: --durability must be default or j:true\n");
    return false;
  }
  return true;
}

bool IsJournaled(const Config *cfg) { return strcmp(cfg->durability, "j:true") == 0; }
