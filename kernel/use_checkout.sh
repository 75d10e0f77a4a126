#!/usr/bin/env bash
# kernel/use_checkout.sh — make GoNB's cells build against a ptychokit checkout.
#
# Every notebook's first cell runs it:
#
#	!*bash "${PTYCHOKIT_ROOT:?…}/kernel/use_checkout.sh"
#
# GoNB's `!*` runs it inside the kernel's temporary Go module ($GONB_TMP_DIR), which
# GoNB created with a bare `go mod init`. This script gives that module the checkout's
# own go.mod requirements (so every module version is the one the project pins and
# nothing is looked up), a replace directive pointing github.com/ptychokit/ptychokit
# at the checkout (so cells import its packages as they are on disk, edits included),
# and the checkout's go.sum (so no checksum is fetched).
#
# Which checkout: the one holding the notebook (found by walking up from $GONB_DIR,
# the notebook's directory, to a go.mod of module github.com/ptychokit/ptychokit), else
# $PTYCHOKIT_ROOT from the kernel spec (the checkout that ran kernel/setup.sh).
# kernel/nbenv.Root does the same search for Go cells.
#
# After GoNB's `%reset`, which recreates go.mod, run the first cell again.
set -euo pipefail

MODULE=github.com/ptychokit/ptychokit

die() {
	printf 'use_checkout.sh: %s\n' "$*" >&2
	exit 1
}

is_checkout() { [ -f "$1/go.mod" ] && grep -Eq "^module[[:space:]]+$MODULE[[:space:]]*\$" "$1/go.mod"; }

root=""
dir="${GONB_DIR:-}"
while [ -n "$dir" ]; do
	if is_checkout "$dir"; then
		root="$dir"
		break
	fi
	[ "$dir" = / ] && break
	dir="$(dirname "$dir")"
done
if [ -z "$root" ]; then
	[ -n "${PTYCHOKIT_ROOT:-}" ] || die "no ptychokit checkout above ${GONB_DIR:-the notebook} and PTYCHOKIT_ROOT is unset: run \`make kernel\` in a checkout and choose the \"ptychokit (Go)\" kernel"
	is_checkout "$PTYCHOKIT_ROOT" || die "PTYCHOKIT_ROOT=$PTYCHOKIT_ROOT is not a ptychokit checkout (no go.mod of module $MODULE)"
	root="$PTYCHOKIT_ROOT"
fi
root="$(cd "$root" && pwd -P)"

work="${GONB_TMP_DIR:-$PWD}"
[ -f "$work/go.mod" ] || die "$work has no go.mod: run this from a GoNB cell with !* (it edits the kernel's Go module)"
cd "$work"
name="$(sed -n 's/^module[[:space:]]*//p' go.mod | head -1)"

grep -Eq '^replace[[:space:]].*=>[[:space:]]*\.' "$root/go.mod" &&
	die "$root/go.mod has a relative replace directive, which this script cannot carry over"

# The checkout's go.mod, renamed to the kernel's module, minus its tool directives.
cp "$root/go.mod" go.mod.tmp
tools="$(go mod edit -json go.mod.tmp | sed -n '/"Tool": \[/,/\]/s/^[[:space:]]*"Path": "\([^"]*\)".*/\1/p')"
args=(-module "$name" -require "$MODULE@v0.0.0-00010101000000-000000000000" -replace "$MODULE=$root")
for t in $tools; do args+=(-droptool "$t"); done
go mod edit "${args[@]}" go.mod.tmp
mv go.mod.tmp go.mod
cp "$root/go.sum" go.sum

printf 'Cells build against %s at %s (device: %s).\n' "$MODULE" "$root" "${PTYCHOKIT_DEVICE:-cpu}"
