package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The catalog {@code CitusRoutingTest} checks on a distributed database covers the repositories: a public
 * method added to one of them fails here until it has a call in {@link RoutedOperations#routed()} (and so
 * its statements are {@code EXPLAIN}ed on the cluster) or a reason in {@link RoutedOperations#NOT_ROUTED}.
 * Needs no database, so it runs on every backend.
 */
class RoutedOperationsTest {

    @Test
    void everyPublicMethodOfTheRepositoriesIsRoutedOrHasAReason() {
        Set<String> methods = new TreeSet<>();
        for (Class<?> repository : RoutedOperations.REPOSITORIES) {
            Arrays.stream(repository.getMethods())
                    .filter(m -> m.getDeclaringClass() == repository && !Modifier.isStatic(m.getModifiers()) && !m.isDefault())
                    .map(RoutedOperations::key)
                    .forEach(methods::add);
        }
        Set<String> routed = RoutedOperations.routed().stream().map(RoutedOperations.Operation::method)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> covered = new HashSet<>(routed);
        covered.addAll(RoutedOperations.NOT_ROUTED.keySet());
        assertThat(methods).as("methods with neither a routed call nor a reason").allMatch(covered::contains);
        assertThat(covered).as("entries naming no method of the repositories").allMatch(methods::contains);
        assertThat(routed).as("routed and with a reason not to be").doesNotContainAnyElementsOf(RoutedOperations.NOT_ROUTED.keySet());
    }

    @Test
    void theFunctionPathsAreTheOnesListedAsFunctions() {
        List<String> functions = RoutedOperations.functionPaths().stream().map(RoutedOperations.Operation::method)
                .filter(RoutedOperations.NOT_ROUTED::containsKey).toList();
        assertThat(functions).allMatch(m -> RoutedOperations.NOT_ROUTED.get(m).startsWith("function"));
    }

    /** A default method would add calls nobody listed; the repositories have none. */
    @Test
    void theRepositoriesHaveNoDefaultMethods() {
        for (Class<?> repository : RoutedOperations.REPOSITORIES) {
            assertThat(Arrays.stream(repository.getMethods()).filter(Method::isDefault)).as(repository.getSimpleName()).isEmpty();
        }
    }
}
