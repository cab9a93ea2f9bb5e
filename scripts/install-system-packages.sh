#!/bin/sh
# Debian packages the tests need: Graphviz's `dot` (SVG/PNG output), Chromium (the explorer's
# real-browser test) and Neovim (the language server's real-editor test). Installs only what is
# missing; uses sudo when not run as root.
set -eu
missing=""
command -v dot >/dev/null 2>&1 || missing="$missing graphviz"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v nvim >/dev/null 2>&1 || missing="$missing neovim"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then as_root=""; else as_root="sudo"; fi
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends $missing
