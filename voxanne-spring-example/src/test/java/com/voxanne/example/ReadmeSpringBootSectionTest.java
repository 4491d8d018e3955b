package com.voxanne.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's "Spring Boot" section shows this example as it is: its code excerpts and its dependency. */
class ReadmeSpringBootSectionTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();

    @Test
    void everyLineOfTheSectionsJavaIsInTheExample() throws IOException {
        Set<String> sources = Files.readAllLines(MODULE.resolve("src/main/java/com/voxanne/example/ClinicController.java")).stream()
                .map(String::trim).collect(Collectors.toSet());
        sources.addAll(Files.readAllLines(MODULE.resolve("src/test/java/com/voxanne/example/ClinicApiTest.java")).stream()
                .map(String::trim).collect(Collectors.toSet()));
        Matcher java = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(section());
        int blocks = 0;
        while (java.find()) {
            blocks++;
            for (String line : java.group(1).split("\n")) {
                if (!line.isBlank()) {
                    assertThat(sources).as("README's Spring Boot section shows a line the example does not have")
                            .contains(line.trim());
                }
            }
        }
        assertThat(blocks).isEqualTo(2);
    }

    @Test
    void theSectionsDependencyIsTheOneTheExampleDeclares() throws IOException {
        Matcher xml = Pattern.compile("```xml\n(.*?)```", Pattern.DOTALL).matcher(section());
        assertThat(xml.find()).isTrue();
        String pom = Files.readString(MODULE.resolve("pom.xml")).replaceAll("\\s+", " ");
        assertThat(pom).contains(xml.group(1).replaceAll("\\s+", " ").trim());
    }

    private static String section() throws IOException {
        String readme = Files.readString(MODULE.resolve("../README.md"));
        int start = readme.indexOf("## Spring Boot\n");
        return readme.substring(start, readme.indexOf("\n## ", start + 1));
    }
}
