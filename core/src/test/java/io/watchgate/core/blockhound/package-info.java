/** BlockHound settings shared by the test suites of every module. */
@NullMarked
package io.watchgate.core.blockhound;

import org.jspecify.annotations.NullMarked;
