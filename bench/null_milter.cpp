// null_milter: the peer for dynmilter's protocol cost. A libmilter milter that does nothing:
// every callback, DATA included, answers CONTINUE at once. With --nodata it asks the MTA not to
// send DATA (SMFIP_NODATA), as dynmilter did before: the way to see the 40 ms stall that causes.
//   null_milter [--nodata] inet:PORT@127.0.0.1
#include <libmilter/mfapi.h>

#include <cstdio>
#include <string>

namespace {
sfsistat go_on(SMFICTX*) { return SMFIS_CONTINUE; }
sfsistat go_on_connect(SMFICTX*, char*, _SOCK_ADDR*) { return SMFIS_CONTINUE; }
sfsistat go_on_name(SMFICTX*, char*) { return SMFIS_CONTINUE; }
sfsistat go_on_args(SMFICTX*, char**) { return SMFIS_CONTINUE; }
sfsistat no_data(SMFICTX*, unsigned long f0, unsigned long f1, unsigned long, unsigned long, unsigned long* pf0,
                 unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
  *pf0 = 0;
  *pf1 = f1 & SMFIP_NODATA;
  *pf2 = *pf3 = 0;
  (void)f0;
  return SMFIS_CONTINUE;
}
}  // namespace

int main(int argc, char** argv) {
  const bool nodata = argc == 3 && std::string(argv[1]) == "--nodata";
  if (argc != 2 && !nodata) {
    std::fprintf(stderr, "usage: null_milter [--nodata] SOCKET\n");
    return 2;
  }
  smfiDesc d{};
  static char name[] = "null";
  d.xxfi_name = name;
  d.xxfi_version = SMFI_VERSION;
  d.xxfi_connect = go_on_connect;
  d.xxfi_helo = go_on_name;
  d.xxfi_envfrom = go_on_args;
  d.xxfi_envrcpt = go_on_args;
  d.xxfi_data = go_on;
  d.xxfi_eom = go_on;
  if (nodata) d.xxfi_negotiate = no_data;
  if (smfi_register(d) != MI_SUCCESS || smfi_setconn(argv[argc - 1]) != MI_SUCCESS) return 1;
  return smfi_main() == MI_SUCCESS ? 0 : 1;
}
