#!/usr/bin/env bash
# kernel/setup.sh — install what ptychokit's notebooks need, and the "ptychokit (Go)"
# Jupyter kernel for THIS checkout. Run by `make kernel`; safe to run again: a second
# run checks versions, finds everything in place and changes nothing.
#
#   1. Jupyter (nbconvert and the classic Notebook) and Chromium from Debian's
#      packages (no pip: PyPI is not reachable from CI).
#      `apt-get update` runs only when a package is missing.
#   2. GoNB v0.11.1, built from this module (go.mod pins it as a tool), goimports
#      v0.52.0 and gopls v0.23.0, into $(go env GOBIN) or $(go env GOPATH)/bin.
#   3. The kernel spec "ptychokit" in the user's Jupyter data dir (where JupyterLab and
#      Notebook look too), whose env points the kernel at this checkout:
#        PTYCHOKIT_ROOT    this checkout (notebooks read datasets/ from here, and their
#                          first cell runs kernel/use_checkout.sh from here)
#        PTYCHOKIT_DEVICE  the backend, default "cpu" (pure Go); install with
#                          PTYCHOKIT_DEVICE=gpu to default to the GPU, or set it in a
#                          notebook with `%env PTYCHOKIT_DEVICE gpu`
#        PATH              the Go tools above first
#        GOFLAGS           `go env GOFLAGS`, plus -ldflags=-s: GoNB links a program per
#                          cell, and a binary without symbol table and DWARF links in
#                          about half the time (panics still show file:line)
#
# Environment: JUPYTER (default /usr/bin/jupyter, Debian's — not a pyenv shim; on a
# system without dpkg, the jupyter on PATH, and step 1 is skipped), KERNEL_NAME
# (default "ptychokit").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
JUPYTER="${JUPYTER:-}"
KERNEL_NAME="${KERNEL_NAME:-ptychokit}"
DISPLAY_NAME="ptychokit (Go)"
DEVICE="${PTYCHOKIT_DEVICE:-cpu}"

GONB_VERSION=v0.11.1
GOIMPORTS_VERSION=v0.52.0 # golang.org/x/tools
GOPLS_VERSION=v0.23.0     # golang.org/x/tools/gopls; v0.24 needs Go 1.27
# jupyter-notebook (the classic Notebook server) and chromium: the browser run of
# the notebooks (kernel/cmd/browsernotebooks).
DEB_PACKAGES=(jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel jupyter-notebook chromium)

say() { printf 'kernel/setup.sh: %s\n' "$*"; }
die() {
	printf 'kernel/setup.sh: error: %s\n' "$*" >&2
	exit 1
}

command -v go >/dev/null || die "go is not on PATH; install Go $(sed -n 's/^go //p' "$ROOT/go.mod") first"
GO="$(command -v go)"

# --- 1. Jupyter, from Debian ----------------------------------------------------------
if command -v dpkg-query >/dev/null; then
	missing=()
	for p in "${DEB_PACKAGES[@]}"; do
		status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
		[[ $status == *"install ok installed"* ]] || missing+=("$p")
	done
	if ((${#missing[@]})); then
		SUDO=()
		if [ "$(id -u)" != 0 ]; then
			command -v sudo >/dev/null || die "Debian packages missing (${missing[*]}); as root run: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
			SUDO=(sudo -n)
		fi
		say "installing Debian packages: ${missing[*]}"
		"${SUDO[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	JUPYTER="${JUPYTER:-/usr/bin/jupyter}" # Debian's: PATH may lead to a pyenv shim instead
else
	# Not Debian: the Jupyter the user installed (with nbconvert and nbclient).
	JUPYTER="${JUPYTER:-$(command -v jupyter || true)}"
	[ -n "$JUPYTER" ] || die "no dpkg here and no jupyter on PATH: install Jupyter (with nbconvert and nbclient), or set JUPYTER"
fi
[ -x "$JUPYTER" ] || die "$JUPYTER not found; set JUPYTER=/path/to/jupyter"
"$JUPYTER" nbconvert --version >/dev/null 2>&1 || die "$JUPYTER nbconvert does not run"
"$JUPYTER" notebook --version >/dev/null 2>&1 || die "$JUPYTER notebook does not run (Debian: jupyter-notebook)"
CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
[ -n "$CHROMIUM" ] || die "no chromium on PATH (Debian: chromium); the browser run of the notebooks needs it (or set CHROMIUM)"

# --- 2. GoNB, goimports, gopls at pinned versions --------------------------------------
BIN="$("$GO" env GOBIN)"
[ -n "$BIN" ] || BIN="$("$GO" env GOPATH)/bin"
mkdir -p "$BIN"
GOVERSION="$("$GO" env GOVERSION)"

# has_build BINARY MODULE VERSION: BINARY exists, was built by this Go, and contains
# MODULE at VERSION (as main module or dependency), per `go version -m`.
has_build() {
	[ -x "$1" ] || return 1
	local info
	info="$("$GO" version -m "$1" 2>/dev/null)" || return 1
	grep -q "^$1: $GOVERSION\$" <<<"$info" || return 1
	grep -Eq "^[[:space:]]+(mod|dep)[[:space:]]+$2[[:space:]]+$3([[:space:]]|\$)" <<<"$info"
}

if ! has_build "$BIN/gonb" github.com/janpfeifer/gonb "$GONB_VERSION"; then
	# `go install …/gonb@v0.11.1` fails on the proxy's version list; go.mod pins it.
	say "building gonb $GONB_VERSION into $BIN"
	(cd "$ROOT" && "$GO" build -o "$BIN/gonb.tmp" github.com/janpfeifer/gonb) && mv "$BIN/gonb.tmp" "$BIN/gonb"
fi
if ! has_build "$BIN/goimports" golang.org/x/tools "$GOIMPORTS_VERSION"; then
	say "installing goimports $GOIMPORTS_VERSION"
	(cd / && GOBIN="$BIN" "$GO" install "golang.org/x/tools/cmd/goimports@$GOIMPORTS_VERSION")
fi
if ! has_build "$BIN/gopls" golang.org/x/tools/gopls "$GOPLS_VERSION"; then
	say "installing gopls $GOPLS_VERSION (takes a few minutes the first time)"
	(cd / && GOBIN="$BIN" "$GO" install "golang.org/x/tools/gopls@$GOPLS_VERSION")
fi

# --- 3. The kernel spec ----------------------------------------------------------------
# jupyter_client 7 (Debian 12) does not expand ${VAR} in a kernel's env, so PATH is
# written out in full: the Go tools first, then the PATH this script ran with.
KERNEL_PATH="$BIN:$(dirname "$GO")"
IFS=: read -r -a path_entries <<<"${PATH:-/usr/local/bin:/usr/bin:/bin}"
for d in "${path_entries[@]}"; do
	case ":$KERNEL_PATH:" in *":$d:"*) ;; *) [ -n "$d" ] && KERNEL_PATH="$KERNEL_PATH:$d" ;; esac
done

KERNEL_GOFLAGS="$("$GO" env GOFLAGS)" # the environment's or `go env -w`'s
case " $KERNEL_GOFLAGS " in *" -ldflags="*) ;; *) KERNEL_GOFLAGS="${KERNEL_GOFLAGS:+$KERNEL_GOFLAGS }-ldflags=-s" ;; esac

json_string() { # JSON string literal of $1 (paths and PATH lists: no control characters)
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

DATA_DIR="$("$JUPYTER" --data-dir 2>/dev/null)" || die "$JUPYTER --data-dir failed"
SPEC_DIR="$DATA_DIR/kernels/$KERNEL_NAME"
spec="$(
	cat <<EOF
{
  "argv": [$(json_string "$BIN/gonb"), "--kernel", "{connection_file}"],
  "display_name": $(json_string "$DISPLAY_NAME"),
  "language": "go",
  "interrupt_mode": "message",
  "env": {
    "PATH": $(json_string "$KERNEL_PATH"),
    "PTYCHOKIT_ROOT": $(json_string "$ROOT"),
    "PTYCHOKIT_DEVICE": $(json_string "$DEVICE"),
    "GOFLAGS": $(json_string "$KERNEL_GOFLAGS"),
    "GOMLX_NO_AUTO_INSTALL": "1"
  },
  "metadata": {"ptychokit_setup": "kernel/setup.sh"}
}
EOF
)"
if [ "$(cat "$SPEC_DIR/kernel.json" 2>/dev/null)" != "$spec" ]; then
	mkdir -p "$SPEC_DIR"
	printf '%s\n' "$spec" >"$SPEC_DIR/kernel.json.tmp"
	mv "$SPEC_DIR/kernel.json.tmp" "$SPEC_DIR/kernel.json"
	say "kernel spec \"$KERNEL_NAME\" ($DISPLAY_NAME) written to $SPEC_DIR for checkout $ROOT"
fi
if ! cmp -s "$ROOT/kernel/logo-svg.svg" "$SPEC_DIR/logo-svg.svg"; then
	cp "$ROOT/kernel/logo-svg.svg" "$SPEC_DIR/logo-svg.svg"
fi

# (Captured first: with pipefail, `grep -q` closing the pipe early fails the pipeline.)
specs="$("$JUPYTER" kernelspec list 2>/dev/null)" || die "$JUPYTER kernelspec list failed"
grep -Eq "^[[:space:]]+$KERNEL_NAME[[:space:]]" <<<"$specs" ||
	die "jupyter kernelspec list does not show \"$KERNEL_NAME\" after installing it in $SPEC_DIR"
say "ready: kernel \"$KERNEL_NAME\" ($DISPLAY_NAME), device $DEVICE, checkout $ROOT"
