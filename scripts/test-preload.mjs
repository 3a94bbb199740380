// Loaded into every test file's process by scripts/test.mjs (node --import). Each file runs in a
// child that streams its verdicts to the runner over stdout, a pipe, and --test-force-exit ends
// the child with process.exit() once its tests are done. On Linux a pipe write is asynchronous,
// so the last verdicts still buffered were dropped: the run then reported fewer tests than ran,
// with exit code 0 (a known Node issue, nodejs/node#64833). Reproduced here with 30 files of 60
// tests at --test-concurrency=2: 1,771–1,790 of 1,800 reported in 3 of 8 runs; with this preload
// 1,800 in 11 of 11, and the full suite reported 974 of its 975 tests once. A blocking stdout makes
// every write complete before process.exit() can run.
process.stdout._handle?.setBlocking?.(true);
