#!/bin/sh
# Install (or remove) the PyInstaller bundle on Linux, for one user or system-wide.
#
#   packaging/linux/install.sh [--prefix DIR] [BUNDLE]     # default: ~/.local, dist/composer-app
#   packaging/linux/install.sh [--prefix DIR] --uninstall
#   sudo packaging/linux/install.sh --prefix /usr/local    # system-wide
#
# Copies BUNDLE (the folder packaging/build.sh makes) to DIR/lib/composer-app, links the two
# programs into DIR/bin, and installs the menu entry (share/applications), the icon
# (share/icons/hicolor/scalable/apps) and the AppStream metadata (share/metainfo).
# DIR/bin must be on PATH to type `composer-app`; the menu entry calls the program by its full path.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PREFIX="${HOME}/.local"
BUNDLE=""
UNINSTALL=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; PREFIX=$2; shift 2 ;;
        --prefix=*) PREFIX=${1#--prefix=}; shift ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) BUNDLE=$1; shift ;;
    esac
done
case "$PREFIX" in /*) ;; *) PREFIX=$(pwd)/$PREFIX ;; esac

APPDIR="$PREFIX/lib/composer-app"
DESKTOP="$PREFIX/share/applications/composer-app.desktop"
ICON="$PREFIX/share/icons/hicolor/scalable/apps/composer-app.svg"
# AppStream wants the metadata file named after the component id (org.composerassistant...).
APPSTREAM_ID=$(sed -n 's|^ *<id>\(.*\)</id>.*|\1|p' "$HERE/composer-app.metainfo.xml" | head -n 1)
METAINFO="$PREFIX/share/metainfo/$APPSTREAM_ID.metainfo.xml"

refresh_caches() {  # best effort: menus and icon themes notice the change
    command -v update-desktop-database >/dev/null 2>&1 \
        && update-desktop-database -q "$PREFIX/share/applications" 2>/dev/null || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$PREFIX/share/icons/hicolor/index.theme" ] \
        && gtk-update-icon-cache -q "$PREFIX/share/icons/hicolor" 2>/dev/null || true
}

if [ "$UNINSTALL" = 1 ]; then
    for prog in composer-app composer-app-gui; do
        # only our own links: a pip-installed composer-app in the same bin stays
        if [ -L "$PREFIX/bin/$prog" ] && [ "$(readlink "$PREFIX/bin/$prog")" = "$APPDIR/$prog" ]; then
            rm -f "$PREFIX/bin/$prog"
        fi
    done
    rm -rf "$APPDIR"
    rm -f "$DESKTOP" "$ICON" "$METAINFO"
    refresh_caches
    echo "Removed Composer Assistant from $PREFIX."
    exit 0
fi

BUNDLE=${BUNDLE:-$ROOT/dist/composer-app}
if [ ! -x "$BUNDLE/composer-app" ] || [ ! -d "$BUNDLE/_internal" ]; then
    echo "install.sh: $BUNDLE is not a built bundle (no composer-app and _internal/ in it): run packaging/build.sh first" >&2
    exit 1
fi
BUNDLE=$(cd "$BUNDLE" && pwd)
[ "$BUNDLE" != "$APPDIR" ] || { echo "install.sh: $BUNDLE is already installed there" >&2; exit 1; }

mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$(dirname "$DESKTOP")" "$(dirname "$ICON")" "$(dirname "$METAINFO")"
# Copy next to the old version, then swap, so a failed copy leaves the installed app as it was.
rm -rf "$APPDIR.new"
cp -R "$BUNDLE" "$APPDIR.new"
rm -rf "$APPDIR.old"
[ ! -e "$APPDIR" ] || mv "$APPDIR" "$APPDIR.old"
mv "$APPDIR.new" "$APPDIR"
rm -rf "$APPDIR.old"

for prog in composer-app composer-app-gui; do
    [ -x "$APPDIR/$prog" ] && ln -sfn "$APPDIR/$prog" "$PREFIX/bin/$prog"
done
# The menu entry runs the editor program by its full path (no console window, no PATH needed).
sed "s|^Exec=composer-app |Exec=$PREFIX/bin/composer-app-gui |" "$HERE/composer-app.desktop" > "$DESKTOP"
cp "$ROOT/resources/icons/composer-app.svg" "$ICON"
cp "$HERE/composer-app.metainfo.xml" "$METAINFO"
refresh_caches

echo "Installed Composer Assistant $("$APPDIR/composer-app" --version 2>/dev/null | cut -d' ' -f2) in $APPDIR."
case ":$PATH:" in
    *":$PREFIX/bin:"*) echo "Run it with: composer-app (or from the applications menu)." ;;
    *) echo "Run it with: $PREFIX/bin/composer-app (add $PREFIX/bin to PATH to type just composer-app)." ;;
esac
