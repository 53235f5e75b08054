/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SETUP_SKIP(): skip a test from inside its FIXTURE_SETUP, for real.
 *
 * With 6.1's kselftest_harness.h (Debian's linux-source-6.1, which these
 * tests build with) SKIP() only marks the test: it sets _metadata->passed
 * and ->skip and runs its statement.  __TEST_F_IMPL's wrapper then looks at
 * ->passed alone ("if (!_metadata->passed) return;"), so after
 * SKIP(return, ...) in a setup the test body runs anyway, on a half-built
 * fixture.  The child then exits 255, reported as SKIP, whatever the body
 * did, or aborts (FAIL) if one of its ASSERTs fired.
 *
 * SETUP_SKIP() ends the test's child process right away with status 255,
 * which 6.1's __wait_for_test() reports as SKIP; the reason still reaches
 * the parent through the shared results page, as with SKIP().  The fixture
 * teardown does not run, so use it only before the setup has created
 * anything that outlives the process: fds, mappings and non-persistent taps
 * go away with it, configfs entries do not.
 *
 * Shown on the host, 2026-12-01, with a two-test fixture whose setup skips
 * before setting a field the bodies check: with SKIP(return, ...) both
 * bodies ran; the one whose EXPECT failed was still reported SKIP, the one
 * whose ASSERT failed was reported FAIL.  With SETUP_SKIP() neither body
 * ran and both were reported SKIP.
 */
#ifndef SETUP_SKIP_H
#define SETUP_SKIP_H

#include <stdio.h>
#include <unistd.h>

#define SETUP_SKIP(fmt, ...) \
	SKIP({ fflush(NULL); _exit(255); }, fmt, ##__VA_ARGS__)

#endif
