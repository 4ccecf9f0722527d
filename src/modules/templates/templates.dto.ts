import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class TemplateDto {
  @ApiProperty({ example: 'blog' }) name!: string;
  @ApiProperty({ example: 'Blog' }) title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'Markdown: what the template makes and how to use it.' }) readme!: string;
  @ApiProperty({ type: [String], description: 'The collections it creates.' }) collections!: string[];
  @ApiProperty({ description: 'Whether it has sample items to add (`sample_data: true`).' }) has_sample_data!: boolean;
}

export class ApplyTemplateDto {
  @ApiPropertyOptional({ description: 'Add the template\'s sample items too. Default false.' })
  @IsOptional() @IsBoolean()
  sample_data?: boolean;
}

export class TemplateAppliedDto {
  @ApiProperty() template!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'The snapshot steps applied, as `POST /schema/apply` answers them.' }) steps!: object[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'The sample items created, by collection.' }) sample_items!: Record<string, number>;
}
