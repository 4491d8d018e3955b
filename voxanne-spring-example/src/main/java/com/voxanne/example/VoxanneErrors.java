package com.voxanne.example;

import com.voxanne.dao.ConflictException;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.NotFoundException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Voxanne's typed failures as HTTP answers. Their messages name the field and the rule, never patient
 * data, so they may be shown. Only these types: a catch-all handler would also swallow the 401/403 that
 * Spring Security gives a request without a valid OrgContext.
 */
@RestControllerAdvice
class VoxanneErrors {

    @ExceptionHandler(NotFoundException.class)
    ProblemDetail notFound(NotFoundException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(InvalidInputException.class)
    ProblemDetail invalid(InvalidInputException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(ConflictException.class)
    ProblemDetail conflict(ConflictException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    }
}
