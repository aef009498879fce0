#!/usr/bin/env bash
# Start the real window under Xvfb on the demo queue (or a copy of --folder) and save docs/screenshot.png.
#   tools/screenshot.sh [--out FILE] [--size WxH] [--keys "j j space"] [--thumbnails]
#                       [--folder DIR [--profile news|hugo|jekyll] [--select RELPATH]] [--dark]
# Needs: xvfb, xdotool, imagemagick (import), and the xcb libraries PySide6 expects.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
DISPLAY_NUMBER="${SCREENSHOT_DISPLAY:-99}"
SIZE=1440x900
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ "${args[$i]}" == "--size" ]]; then SIZE="${args[$((i + 1))]}"; fi
done

Xvfb ":${DISPLAY_NUMBER}" -screen 0 "${SIZE}x24" -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
trap 'kill "$XVFB_PID" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  xdpyinfo -display ":${DISPLAY_NUMBER}" >/dev/null 2>&1 && break
  sleep 0.1
done

DISPLAY=":${DISPLAY_NUMBER}" QT_QPA_PLATFORM=xcb "$PYTHON" tools/screenshot.py "$@"
