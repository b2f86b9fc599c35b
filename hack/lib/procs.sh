# Starting and stopping the daemons this script owns. Sourced by hack/cluster.
# shellcheck shell=bash

PID_DIR=$STATE_DIR/pids

# start_daemon NAME BINARY ARGS...: runs in its own session, logs to LOG_DIR/NAME.log.
start_daemon() {
	local name=$1; shift
	if daemon_running "$name"; then
		log "$name already running (pid $(daemon_pid "$name"))"
		return
	fi
	mkdir -p "$PID_DIR" "$LOG_DIR"
	log "starting $name"
	# fd 9 is the lock of hack/cluster: a daemon must not inherit (and so keep holding) it.
	setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 < /dev/null 9>&- &
	local pid=$!
	echo "$pid $(start_time "$pid")" > "$PID_DIR/$name.pid"
}

# Field 22 of /proc/PID/stat: with the pid, it names one process even after pids wrap.
start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }

daemon_pid() { [[ -f $PID_DIR/$1.pid ]] && cut -d' ' -f1 "$PID_DIR/$1.pid"; }

daemon_running() {
	local pid started
	[[ -f $PID_DIR/$1.pid ]] || return 1
	read -r pid started < "$PID_DIR/$1.pid"
	[[ -n $pid && -d /proc/$pid && $(start_time "$pid") == "$started" ]] &&
		! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
}

# stop_daemon NAME: TERM, then KILL after 15 s; only the pid this script recorded.
stop_daemon() {
	local name=$1 pid i
	pid=$(daemon_pid "$name") || return 0
	if daemon_running "$name"; then
		log "stopping $name (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do daemon_running "$name" || break; sleep 0.1; done
		daemon_running "$name" && kill -KILL "$pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do daemon_running "$name" || break; sleep 0.1; done
	fi
	rm -f "$PID_DIR/$name.pid"
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds.
wait_for() {
	local what=$1 timeout=$2; shift 2
	local deadline=$((SECONDS + timeout))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || die "timed out after ${timeout}s waiting for $what (logs: $LOG_DIR)"
		sleep 0.5
	done
	log "$what: ready"
}
