// Output files are written to hidden temporaries and renamed into place (AtomicFile). A signal that ends the process
// between the two would leave the temporary behind, so the temporaries in progress are kept here, where a signal
// handler can reach them: fixed slots written before they are published, and only unlink(2), signal(2) and raise(3),
// which are async-signal-safe, in the handler. This is C because a Swift closure gives no such guarantee.
#include "signal_cleanup.h"
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

enum { SLOTS = 256, PATH_BYTES = 4096 };
enum { FREE = 0, FILLING = 1, LIVE = 2 };

static char paths[SLOTS][PATH_BYTES];
static _Atomic int states[SLOTS];

int ssmtl_remember_temporary(const char *path) {
    size_t length = strlen(path);
    if (length >= PATH_BYTES) return -1;
    for (int slot = 0; slot < SLOTS; slot++) {
        int expected = FREE;
        if (atomic_compare_exchange_strong(&states[slot], &expected, FILLING)) {
            memcpy(paths[slot], path, length + 1);
            atomic_store(&states[slot], LIVE);
            return slot;
        }
    }
    return -1;
}

void ssmtl_forget_temporary(int slot) {
    if (slot >= 0 && slot < SLOTS) atomic_store(&states[slot], FREE);
}

void ssmtl_cleanup_and_reraise(int signal_number) {
    int removed = 0;
    for (int slot = 0; slot < SLOTS; slot++) {
        if (atomic_load(&states[slot]) == LIVE && unlink(paths[slot]) == 0) removed++;
    }
    static const char stopped[] = "ssmtl: stopped by a signal\n";
    static const char cleaned[] = "ssmtl: stopped by a signal; the unfinished output files were removed\n";
    ssize_t ignored = removed > 0 ? write(STDERR_FILENO, cleaned, sizeof cleaned - 1) : write(STDERR_FILENO, stopped, sizeof stopped - 1);
    (void)ignored;
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

void ssmtl_install_signal_cleanup(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ssmtl_cleanup_and_reraise;
    sigemptyset(&action.sa_mask);
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++) sigaction(signals[i], &action, NULL);
}
