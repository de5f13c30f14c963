#!/usr/bin/env bash
# RUSTC_WRAPPER for bench/cold-build/run.sh: runs rustc under /usr/bin/time and appends one line
# per compiled unit to $VOID_CPU_LOG: package, crate, crate type, user s, sys s, wall s.
rustc=$1; shift
name=unknown; kind=lib
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --crate-name) name=${args[i+1]} ;;
    --crate-type) kind=${args[i+1]} ;;
  esac
done
if [[ -z ${VOID_CPU_LOG:-} ]] || [[ " $* " == *" -vV "* ]] || [[ " $* " == *"--print"* ]]; then
  exec "$rustc" "$@"
fi
exec /usr/bin/time -a -o "$VOID_CPU_LOG" -f "${CARGO_PKG_NAME:-?} $name $kind %U %S %e" "$rustc" "$@"
