// Temporary output files removed when a signal ends the process (see signal_cleanup.c).
#ifndef SSMTL_SIGNAL_CLEANUP_H
#define SSMTL_SIGNAL_CLEANUP_H

/// Remembers `path` until `ssmtl_forget_temporary(slot)`; returns the slot, or -1 when the path is too long or
/// all slots are taken (the file is then only left behind by a signal, as without this registry).
int ssmtl_remember_temporary(const char *path);
void ssmtl_forget_temporary(int slot);

/// SIGINT, SIGTERM and SIGHUP remove the remembered files, then end the process with the same signal.
void ssmtl_install_signal_cleanup(void);

/// The handler itself: removes the remembered files and re-raises `signal` with its default action. Commands
/// that handle a first Ctrl-C themselves (train) install it for the second one.
void ssmtl_cleanup_and_reraise(int signal);

#endif
