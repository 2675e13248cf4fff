# Sourced (not run) by the scripts that compare zhclean with the official
# OpenCC binary. `reference_setup NAME` builds zhclean (release) and fetches
# the binary and the pinned corpora, setting `zhclean`, `opencc`, `share`
# (OpenCC's config folder) and `corpora`. Needs `root` set to the checkout.
reference_setup() {
  echo "$1: building zhclean (release)" >&2
  cargo build --release --quiet --bin zhclean </dev/null
  zhclean="$root/target/release/zhclean"
  opencc="$("$root/scripts/fetch-opencc.sh" </dev/null)"
  share="$(dirname "$(dirname "$opencc")")/share/opencc"
  corpora="$("$root/scripts/fetch-corpora.sh" </dev/null)"
}
