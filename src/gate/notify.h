/* The gate's answers to the program filter's user notifications (notify.c). */
#ifndef GATE_NOTIFY_H
#define GATE_NOTIFY_H

/* Receives one notification on `listener` and answers it for the run whose process group is `pgid`. */
void gate_answer(int listener, long pgid);

/* Reports "f CALL ERRNO" to the runner and exits 125 (gate.c). */
_Noreturn void gate_fail(const char *call, int err);

#endif
