// Compile-time probes for the identity-type tests (base_identity_test, model_side_test): whether an
// expression over two types compiles, so a test can assert both "does" and "does not".
#pragma once

namespace ferry::testing {

template <class A, class B>
concept LessComparable = requires(const A& a, const B& b) {
  a < b;
};
template <class A, class B>
concept EqualityComparable = requires(const A& a, const B& b) {
  a == b;
};
template <class A, class B>
concept HasDistanceFrom = requires(const A& a, const B& b) {
  a.distanceFrom(b);
};
template <class A, class B>
concept HasPlus = requires(const A& a, const B& b) {
  a.plus(b);
};

}  // namespace ferry::testing
