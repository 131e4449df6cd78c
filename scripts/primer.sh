#!/usr/bin/env bash
# Builds internal/primer/gutenberg.txt, the built-in primer of Project
# Gutenberg's boilerplate, from the two ebooks of ../shared that carry it:
# A Study in Scarlet (the header and licence of ebooks posted or updated
# since about 2021) and Kafka's Die Verwandlung (those of about 2004 to
# 2020). Everything particular to a book (title, author, dates, credits,
# file names, language, encoding) is cut out; what is left is the text
# every ebook of that time carries. The older version comes first, so that
# the match model prefers the newer where the two agree.
#
#   bash scripts/primer.sh          rebuild the file
#   bash scripts/primer.sh -check   fail if the file differs from a rebuild
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared}
scarlet=$shared/seed/golden/AStudyInScarlet.txt
kafka=$shared/corpora/gutenberg-de/22367-8.txt
out=internal/primer/gutenberg.txt

build() {
	local k s
	k=$(mktemp) s=$(mktemp)
	tr -d '\r' <"$kafka" >"$k"
	sed '1s/^\xef\xbb\xbf//' "$scarlet" >"$s"
	# About 2004-2020: the header's generic lines, then the licence from
	# "Updated editions" (after the book's end lines, file name and
	# producers) to the end.
	printf 'The Project Gutenberg EBook of \n\n'
	sed -n '3,7p' "$k"
	printf '\n\nTitle: \n\nAuthor: \n\nRelease Date: \n\nLanguage: English\n\nCharacter set encoding: \n\n'
	printf '*** START OF THIS PROJECT GUTENBERG EBOOK \n\n\n\n'
	printf 'End of the Project Gutenberg EBook of \n\n'
	printf '*** END OF THIS PROJECT GUTENBERG EBOOK \n\n'
	printf '***** This file should be named \n'
	printf 'This and all associated files of various formats will be found in:\n        http://www.gutenberg.org/\n\n\n'
	sed -n '/^Updated editions will replace/,$p' "$k"
	printf '\n\n\n'
	# Since about 2021: the same.
	printf 'The Project Gutenberg eBook of \n'
	sed -n '2,9p' "$s"
	printf '\nTitle: \n\nAuthor: \n\nRelease date: \n                Most recently updated: \n\nLanguage: English\n\nCredits: \n\n\n'
	printf '*** START OF THE PROJECT GUTENBERG EBOOK \n\n\n\n'
	printf '*** END OF THE PROJECT GUTENBERG EBOOK \n\n\n\n'
	sed -n '/^Updated editions will replace/,$p' "$s"
	rm -f "$k" "$s"
}

if [ "${1:-}" = -check ]; then
	build | cmp - "$out"
	echo "$out: as built from $shared"
else
	build >"$out"
	wc -c "$out"
fi
